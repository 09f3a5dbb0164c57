import { PostgresEventStore } from '../../event-store/postgres/postgres-event-store.ts';
import { type OpenWrite, oldestOpenWrite } from '../../db/open-writes.ts';
import { POSTGRES_PROJECTIONS } from '../../projections/index.ts';
import { type CheckpointStatus, checkpointStatus } from '../../projections/runner/checkpoint-status.ts';
import { LAG_CAP } from '../../projections/runner/status.ts';
import { openProjectionTools } from './projection-tools.ts';

export async function printStatus(options: { json?: boolean }): Promise<void> {
  const tools = await openProjectionTools({ poolSize: 2 });
  try {
    const status = await checkpointStatus(tools.sql, tools.store, POSTGRES_PROJECTIONS);
    if (options.json) for (const s of status) console.log(JSON.stringify(toJson(s)));
    else {
      printTable(status);
      if (tools.store instanceof PostgresEventStore) console.log(horizonLine(await oldestOpenWrite(tools.sql)));
    }
  } finally {
    await tools.close();
  }
}

const toJson = (s: CheckpointStatus) => ({ ...s, checkpoint: String(s.checkpoint), updatedAt: s.updatedAt?.toISOString() ?? null });

/** Lag that grows while the log does not move is often one forgotten transaction: name it. */
function horizonLine(oldest: OpenWrite | undefined): string {
  if (oldest === undefined || oldest.seconds < 1) return 'log horizon: no transaction open longer than 1 s holds back readers';
  return (
    `log horizon: held ${oldest.seconds.toFixed(1)} s by pid ${oldest.pid ?? 'none'} ` +
    `(${oldest.application || 'no application_name'}, ${oldest.state}, database ${oldest.database}, user ${oldest.user}): ` +
    'readers of the log see nothing committed after it began'
  );
}

function printTable(status: readonly CheckpointStatus[]): void {
  const rows = status.map((s) => [
    s.name + (s.unknown ? ' (unknown)' : ''),
    String(s.checkpoint),
    `${s.lag.events}${s.lag.capped ? '+' : ''}`,
    s.lag.seconds.toFixed(1),
    String(s.parked),
    s.updatedAt?.toISOString() ?? 'never',
  ]);
  const header = ['NAME', 'CHECKPOINT', 'LAG_EVENTS', 'LAG_S', 'PARKED', 'UPDATED_AT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  if (status.some((s) => s.lag.capped)) console.log(`(+: more than ${LAG_CAP} events behind; counting stops there)`);
}
