import { type Command, InvalidArgumentError } from 'commander';
import { describeError } from '../projections/runtime/checkpoints.ts';
import { rebuildProjection, type RebuildProgress, type RebuildSummary } from '../projections/rebuild/rebuild.ts';
import { RESULTS } from '../projections/index.ts';
import { openProjectionTools, PROJECTION_NAMES, projectionNamed, projectionsGroup } from './projection-tools.ts';
import { rebuildProgressBar } from './rebuild-progress.ts';

const positiveInteger = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

/**
 * `pollster projections rebuild <name>`: replays the log into fresh tables and swaps them in
 * without downtime (src/projections/rebuild). Safe while workers and the API run: they keep
 * serving and writing the live tables until the swap's one short transaction. Ctrl-C stops it
 * and drops the fresh tables; the live ones are never touched before the swap.
 */
export function registerRebuildCommand(program: Command): void {
  projectionsGroup(program)
    .command('rebuild')
    .description(`replay the whole log into fresh tables and swap them in without downtime (projections: ${PROJECTION_NAMES})`)
    .argument('<name>', 'the projection to rebuild')
    .option('--batch-size <n>', 'events per read (cut by poll into --concurrency transactions)', positiveInteger, 10_000)
    .option('--concurrency <n>', 'transactions applied side by side (each with its own polls)', positiveInteger, 2)
    .action(async (name: string, options: { batchSize: number; concurrency: number }, command: Command) => {
      const projection = projectionNamed(command, name);
      const tools = await openProjectionTools({ poolSize: options.concurrency + 3 });
      const stop = new AbortController();
      const interrupt = () => stop.abort(new Error('interrupted'));
      process.once('SIGINT', interrupt);
      const bar = rebuildProgressBar();
      let last: RebuildProgress | undefined;
      try {
        const summary = await rebuildProjection({
          sql: tools.sql,
          store: tools.store,
          projection,
          batchSize: options.batchSize,
          concurrency: options.concurrency,
          signal: stop.signal,
          onProgress: (p) => bar.update((last = p)),
        });
        bar.done(last);
        print(summary);
      } catch (error) {
        bar.done(last);
        console.error(`pollster: rebuild of ${name} failed, the live tables are unchanged: ${describeError(error)}`);
        process.exitCode = 1;
      } finally {
        process.removeListener('SIGINT', interrupt);
        await tools.close();
      }
    });
}

function print(s: RebuildSummary): void {
  console.log(
    `rebuilt ${s.projection}: ${s.applied.toLocaleString('en')} events in ${s.totalSeconds.toFixed(1)} s ` +
      `(replay ${s.eventsPerSecond.toLocaleString('en')} events/s), ${s.parked.length} parked`,
  );
  console.log(`swapped in one transaction of ${s.swapMs} ms (attempt ${s.swapAttempts}); checkpoint ${s.checkpoint} (${s.checkpoints.join(', ')})`);
  if (s.leftoversDropped.length > 0) console.log(`dropped leftovers of an interrupted rebuild: ${s.leftoversDropped.join(', ')}`);
  for (const p of s.parked.slice(0, 10)) {
    console.log(`parked ${p.event.type} ${p.event.id} at ${p.event.position}: ${describeError(p.error)}`);
  }
  if (s.parked.length > 10) console.log(`... and ${s.parked.length - 10} more (pollster projections parked)`);
  if (s.projection === RESULTS) {
    console.log('Redis and live viewers were not fed by the rebuild: run `pollster projections reconcile` where REDIS_URL is set');
  }
}
