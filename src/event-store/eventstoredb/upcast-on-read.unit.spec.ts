import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { EventStoreDbEventStore } from './eventstoredb-event-store.ts';
import { INTEGRITY_KEY } from './integrity.ts';

/**
 * The KurrentDB adapter's read path upcasts like the postgres one (its contract suite, which
 * covers this too, needs a KurrentDB server): here against a stand-in client that replays what
 * the server would hand back for a BallotCast stored in version 1.
 */
const data = { ballotId: 'b-1', pollId: 'p-1', voterKey: 'f.5feceb', answers: [], castAt: '2030-01-01T12:00:00.000Z' };
const hash = 'ab'.repeat(32);
const stored = {
  event: {
    id: '00000000-0000-4000-8000-000000000001', streamId: 'ballot-p-1-f.5feceb', revision: 0n, type: 'BallotCast', data,
    metadata: { actor: 'anonymous', [INTEGRITY_KEY]: { hash } }, created: new Date(0), position: { commit: 7n, prepare: 7n },
  },
  commitPosition: 7n,
};
async function* replay() {
  yield stored;
}
const client = { readStream: replay, readAll: replay } as unknown as KurrentDBClient;

describe('EventStoreDB adapter: upcasting on read', () => {
  it('readStream and readAll hand out version 2, with the stored form (integrity key stripped) and hash beside it', async () => {
    const store = new EventStoreDbEventStore(client);
    const [fromStream] = await store.readStream('ballot-p-1-f.5feceb');
    const { events: [fromAll] } = await store.readAll({ from: 0n, limit: 10 });
    for (const e of [fromStream, fromAll]) {
      expect(e).toMatchObject({ type: 'BallotCast', data: { ...data, voterKind: 'fingerprint' }, metadata: { actor: 'anonymous', schemaVersion: 2 }, hash, position: 7n });
      expect(e?.stored).toEqual({ type: 'BallotCast', data, metadata: { actor: 'anonymous' } });
    }
  });
});
