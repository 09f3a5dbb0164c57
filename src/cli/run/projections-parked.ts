import { POSTGRES_PROJECTIONS } from '../../projections/index.ts';
import { listParked, type ParkedEvent, replayParked } from '../../projections/runner/parked.ts';
import { openProjectionTools } from './projection-tools.ts';

export async function listParkedEvents(options: { projection?: string; json?: boolean }): Promise<void> {
  const tools = await openProjectionTools({ poolSize: 2 });
  try {
    const parked = await listParked(tools.sql, options.projection);
    if (options.json) for (const p of parked) console.log(JSON.stringify(toJson(p)));
    else printTable(parked);
  } finally {
    await tools.close();
  }
}

export async function replayParkedEvents(options: { projection?: string }): Promise<number> {
  const tools = await openProjectionTools({ poolSize: 2 });
  try {
    const outcomes = await replayParked({
      sql: tools.sql,
      store: tools.store,
      projections: POSTGRES_PROJECTIONS,
      ...(options.projection !== undefined ? { projection: options.projection } : {}),
    });
    for (const { parked: p, replayed, error } of outcomes) {
      console.log(`${replayed ? 'replayed' : 'still parked'}  ${p.projection}  ${p.position}  ${p.type}  ${p.eventId}${error ? `  ${error}` : ''}`);
    }
    const failed = outcomes.filter((o) => !o.replayed).length;
    console.log(`${outcomes.length} parked events: ${outcomes.length - failed} replayed, ${failed} still parked`);
    return failed > 0 ? 1 : 0;
  } finally {
    await tools.close();
  }
}

const toJson = (p: ParkedEvent) => ({ ...p, position: String(p.position), parkedAt: p.parkedAt.toISOString() });

function printTable(parked: readonly ParkedEvent[]): void {
  if (parked.length === 0) {
    console.log('no parked events');
    return;
  }
  const rows = parked.map((p) => [p.projection, String(p.position), p.stream, p.type, p.parkedAt.toISOString(), oneLine(p.error)]);
  const header = ['PROJECTION', 'POSITION', 'STREAM', 'TYPE', 'PARKED_AT', 'ERROR'];
  const widths = header.slice(0, -1).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').slice(0, 200);
