import type { RecordedEvent } from '../../event-store/port.ts';

/**
 * A check of the fields each event type must carry for a projection to write it. Run up front
 * because a missing field would otherwise reach the SQL tag as `undefined` (slonik fails with an
 * unhelpful message) or count as zero; a parked event should say plainly what is wrong with it.
 * The check throws a TypeError naming the event and the first missing field (a poison event).
 */
export function requiredFields(required: Readonly<Record<string, readonly string[]>>): (event: RecordedEvent) => void {
  return (event) => {
    const fields = required[event.type];
    if (fields === undefined) return;
    const data = event.data;
    if (typeof data !== 'object' || data === null) {
      throw new TypeError(`${event.type} ${event.id} at position ${event.position} has no data object`);
    }
    for (const field of fields) {
      const value = (data as Record<string, unknown>)[field];
      if (value === undefined || value === null) {
        throw new TypeError(`${event.type} ${event.id} at position ${event.position} has no ${field}`);
      }
    }
  };
}
