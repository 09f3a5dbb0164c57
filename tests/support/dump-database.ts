import pg from 'pg';

/** Every row of every table, as an attacker with a database dump would hold them. */
export async function dumpDatabase(url: string): Promise<Map<string, Record<string, unknown>[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(`SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`);
    const out = new Map<string, Record<string, unknown>[]>();
    for (const { name } of tables.rows) out.set(name, (await client.query(`SELECT to_jsonb(t) AS row FROM ${name} t`)).rows.map((r) => r.row));
    return out;
  } finally {
    await client.end();
  }
}
