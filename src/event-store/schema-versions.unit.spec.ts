import { describe, expect, it } from 'vitest';
import { EVENT_VERSIONS } from '../domain/event-versions.ts';
import type { RecordedEvent } from './port.ts';
import { asStored, eventSchemas, POLLSTER_SCHEMAS, versionOf, withSchemaVersion } from './schema-versions.ts';

const recorded = (type: string, data: unknown, metadata: Record<string, unknown> = { actor: 'system' }): RecordedEvent => ({
  id: '00000000-0000-4000-8000-000000000001', stream: 's-1', revision: 0n, position: 1n, type, data, metadata,
  recordedAt: new Date(0), hash: 'ab'.repeat(32),
});
const v1Cast = () => recorded('BallotCast', { ballotId: 'b-1', pollId: 'p-1', voterKey: 't.abc', answers: [], castAt: '2030-01-01T12:00:00.000Z' });

describe('where the version lives: metadata.schemaVersion, 1 when absent', () => {
  it('reads the stored version, and anything but a positive integer as version 1', () => {
    expect(versionOf({})).toBe(1);
    expect(versionOf({ schemaVersion: 2 })).toBe(2);
    for (const odd of ['2', 0, -1, 1.5, null]) expect(versionOf({ schemaVersion: odd })).toBe(1);
    expect(versionOf(undefined)).toBe(1);
  });

  it('writers stamp every type with its current version', () => {
    expect(withSchemaVersion('BallotCast', { actor: 'a' })).toEqual({ actor: 'a', schemaVersion: 2 });
    expect(withSchemaVersion('PollCreated', { actor: 'a' })).toEqual({ actor: 'a', schemaVersion: 1 });
  });
});

describe('upcasting on read', () => {
  it('turns a stored version-1 BallotCast into version 2, keeping the stored form beside it', () => {
    const stored = v1Cast();
    const current = POLLSTER_SCHEMAS.upcast(stored);
    expect(current.data).toEqual({ ...(stored.data as object), voterKind: 'token' });
    expect(current.metadata).toEqual({ actor: 'system', schemaVersion: 2 });
    expect(current.stored).toEqual({ type: 'BallotCast', data: stored.data, metadata: stored.metadata });
    expect({ ...current, stored: undefined }).toMatchObject({ id: stored.id, hash: stored.hash, position: 1n, revision: 0n });
    // Undone exactly: what the hashes and exports are over.
    expect(asStored(current)).toEqual(stored);
  });

  it('returns the very same object when there is nothing to do', () => {
    const current = recorded('BallotCast', { voterKey: 'u.x', voterKind: 'account' }, { schemaVersion: 2 });
    for (const event of [current, recorded('PollOpened', {}), recorded('SomethingElse', {}), recorded('BallotCast', null), recorded('BallotCast', [1])]) {
      expect(POLLSTER_SCHEMAS.upcast(event)).toBe(event);
    }
    // Upcasting twice is upcasting once.
    const once = POLLSTER_SCHEMAS.upcast(v1Cast());
    expect(POLLSTER_SCHEMAS.upcast(once)).toBe(once);
  });

  it('lets a version newer than this code knows pass as it is (a later release wrote it)', () => {
    const newer = recorded('BallotCast', { voterKey: 'u.x', voterKind: 'account', weight: 2 }, { schemaVersion: 3 });
    expect(POLLSTER_SCHEMAS.upcast(newer)).toBe(newer);
  });

  it('runs every upcaster from the stored version up, one version at a time', () => {
    const schemas = eventSchemas({ Thing: { current: 3, upcasters: [(d) => ({ ...d, b: 1 }), (d) => ({ ...d, c: (d.b as number) + 1 })] } });
    expect(schemas.upcast(recorded('Thing', { a: 0 })).data).toEqual({ a: 0, b: 1, c: 2 });
    expect(schemas.upcast(recorded('Thing', { a: 0, b: 5 }, { schemaVersion: 2 })).data).toEqual({ a: 0, b: 5, c: 6 });
  });

  it('refuses a registry whose upcasters do not reach the current version', () => {
    expect(() => eventSchemas({ Thing: { current: 2, upcasters: [] } })).toThrow(/Thing is at version 2 with 0 upcasters/);
  });

  it('the registry versions every event type, each with current - 1 upcasters', () => {
    for (const [type, v] of Object.entries(EVENT_VERSIONS)) expect(v.upcasters.length, type).toBe(v.current - 1);
    expect(EVENT_VERSIONS.BallotCast.current).toBe(2);
  });
});
