import { EVENT_VERSIONS } from '../domain/event-versions.ts';
import type { EventVersion, StoredData } from '../domain/shared/event-version.ts';
import type { EventMetadata, StoredContent } from './port.ts';

/**
 * The version lives in the metadata (`schemaVersion`; absent = 1). Append stores what it is given,
 * byte for byte, so an old log re-appended elsewhere keeps its hashes. Upcasting happens once, in
 * each adapter's read path, so everything above sees current shapes; the stored form rides along
 * as `RecordedEvent.stored`, and audit tools hash and export that, so no upcaster (right, wrong
 * or malicious) changes what verifies.
 */
export const SCHEMA_VERSION = 'schemaVersion';

/** An event with content: a RecordedEvent, or an event of an export file (metadata unchecked). */
interface Versioned {
  type: string;
  data: unknown;
  metadata: unknown;
  stored?: StoredContent | undefined;
}

export interface EventSchemas {
  /** The version writers stamp for `type`; 1 for a type the registry does not know. */
  currentVersion(type: string): number;
  /**
   * The event in its type's current version, `stored` holding what it was; the very same object
   * when there is nothing to do (current already, a type without versions, data that is no JSON
   * object, or a version newer than this code knows, which passes as it is).
   */
  upcast<E extends Versioned>(event: E): E;
}

/** The stored version of an event: its `schemaVersion`, or 1 when it has none (or no valid one). */
export function versionOf(metadata: unknown): number {
  const version = (metadata as Record<string, unknown> | null | undefined)?.[SCHEMA_VERSION];
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 1 ? version : 1;
}

export function eventSchemas(versions: Readonly<Record<string, EventVersion>>): EventSchemas {
  for (const [type, v] of Object.entries(versions)) {
    if (!Number.isSafeInteger(v.current) || v.current < 1 || v.upcasters.length !== v.current - 1) {
      throw new Error(`event versions: ${type} is at version ${v.current} with ${v.upcasters.length} upcasters (needs current - 1)`);
    }
  }
  const known = new Map(Object.entries(versions));
  return {
    currentVersion: (type) => known.get(type)?.current ?? 1,
    upcast<E extends Versioned>(event: E): E {
      // The hot path of every read (a rebuild reads millions of events): one lookup, no copy.
      const entry = known.get(event.type);
      if (entry === undefined || entry.current === 1) return event;
      const from = versionOf(event.metadata);
      const { data, metadata } = event;
      if (from >= entry.current || typeof data !== 'object' || data === null || Array.isArray(data)) return event;
      let current = data as StoredData;
      for (let version = from; version < entry.current; version++) current = entry.upcasters[version - 1]!(current);
      const stored: StoredContent = event.stored ?? { type: event.type, data, metadata: metadata as EventMetadata };
      return { ...event, data: current, metadata: { ...(metadata as object), [SCHEMA_VERSION]: entry.current }, stored };
    },
  };
}

/** Pollster's own registry (src/domain/event-versions.ts): what both adapters apply by default. */
export const POLLSTER_SCHEMAS: EventSchemas = eventSchemas(EVENT_VERSIONS);

/** The event as the log stores it (undoes a read's upcasting): what hashes and exports are over. */
export function asStored<E extends Versioned>(event: E): E {
  if (event.stored === undefined) return event;
  const { stored, ...rest } = event;
  return { ...rest, type: stored.type, data: stored.data, metadata: stored.metadata } as E;
}

/** Metadata for a new event of `type`: the writer's, with the type's current version stamped. */
export function withSchemaVersion(type: string, metadata: EventMetadata, schemas: EventSchemas = POLLSTER_SCHEMAS): EventMetadata {
  return { ...metadata, [SCHEMA_VERSION]: schemas.currentVersion(type) };
}
