import { sql, type CommonQueryMethods } from 'slonik';

// Handlers write unqualified names, so one handler fills the live tables or a rebuild's shadow copies.
export const READ_SCHEMA = 'read';

const SAFE_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * `SET LOCAL search_path TO <schema>, public` for the rest of the transaction (set_config with
 * is_local, so the name is a bind parameter; it is also checked to be a plain identifier).
 * `public` stays on the path for projection_checkpoints and parked_events.
 */
export async function useSchema(tx: CommonQueryMethods, schema: string = READ_SCHEMA): Promise<void> {
  await tx.query(sql.unsafe`SELECT ${setSearchPath(schema)}`);
}

/** The `set_config` call of useSchema as an expression, for a statement that does more in the same round trip. */
export function setSearchPath(schema: string = READ_SCHEMA) {
  if (!SAFE_SCHEMA.test(schema)) throw new Error(`not a plain schema name: ${schema}`);
  return sql.fragment`set_config('search_path', ${`${schema}, public`}, true)`;
}
