import { ValidationError } from '../../domain/shared/errors.ts';
import type { EventToAppend } from '../port.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The same input checks, with the same codes, as the Postgres adapter, so callers see one
 * behaviour whichever store runs. KurrentDB would accept an empty append (it only checks the
 * expected revision) and would fail on a bad id deep inside the client with a less useful error.
 */
export function validateAppend(stream: string, events: readonly EventToAppend[]): void {
  if (stream.length === 0) throw new ValidationError('event-store.empty-stream', 'stream name is empty');
  if (events.length === 0) throw new ValidationError('event-store.empty-append', `stream ${stream}: nothing to append`);
  const seen = new Set<string>();
  events.forEach((event, i) => {
    if (!UUID.test(event.id)) {
      throw new ValidationError('event-store.invalid-event-id', `event id ${event.id} is not a UUID`, { field: `events[${i}].id` });
    }
    const id = event.id.toLowerCase();
    if (seen.has(id)) {
      throw new ValidationError('event-store.repeated-event-id', `event id ${id} appears twice in one append`, { field: `events[${i}].id` });
    }
    seen.add(id);
  });
}
