import type { Command } from 'commander';
import { POSTGRES_PROJECTIONS } from '../projections/index.ts';
import { listParked, type ParkedEvent, replayParked } from '../projections/runtime/parked.ts';
import { openProjectionTools, PROJECTION_NAMES, projectionNamed, projectionsGroup } from './projection-tools.ts';

/**
 * `pollster projections parked` and `pollster projections replay-parked`: the events projections
 * could not apply (src/projections/runtime/apply.ts parks them after retries), and applying them
 * again once the cause is fixed. One concern, two verbs: look, then act.
 */
export function registerParkedCommands(program: Command): void {
  const group = projectionsGroup(program);
  group
    .command('parked')
    .description('list parked events (projection, position, stream, type, error, parked_at), oldest position first')
    .option('--projection <name>', `only this projection and its partitions (${PROJECTION_NAMES})`)
    .option('--json', 'one JSON object per line instead of a table')
    .action(async (options: { projection?: string; json?: boolean }, command: Command) => {
      if (options.projection !== undefined) projectionNamed(command, options.projection);
      const tools = await openProjectionTools({ poolSize: 2 });
      try {
        const parked = await listParked(tools.sql, options.projection);
        if (options.json) for (const p of parked) console.log(JSON.stringify(toJson(p)));
        else printTable(parked);
      } finally {
        await tools.close();
      }
    });

  group
    .command('replay-parked')
    .description('apply parked events again through their projection, in position order, each in its own transaction; ' +
      'a success removes the parked row, a failure keeps it. Exit code 1 if any still fails')
    .option('--projection <name>', `only this projection and its partitions (${PROJECTION_NAMES})`)
    .action(async (options: { projection?: string }, command: Command) => {
      if (options.projection !== undefined) projectionNamed(command, options.projection);
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
        process.exitCode = failed > 0 ? 1 : 0;
      } finally {
        await tools.close();
      }
    });
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
