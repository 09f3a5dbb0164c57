import { RESULTS } from '../../projections/names.ts';
import { rebuildProjection, type RebuildProgress, type RebuildSummary } from '../../projections/rebuild/rebuild.ts';
import { describeError } from '../../projections/runner/checkpoints.ts';
import { openProjectionTools, projectionNamed } from './projection-tools.ts';
import { rebuildProgressBar } from './rebuild-progress.ts';

/** The exit code: 1 when the rebuild failed (the live tables are then unchanged). */
export async function rebuild(name: string, options: { batchSize: number; concurrency: number }): Promise<number> {
  const projection = projectionNamed(name);
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
    return 0;
  } catch (error) {
    bar.done(last);
    console.error(`pollster: rebuild of ${name} failed, the live tables are unchanged: ${describeError(error)}`);
    return 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
    await tools.close();
  }
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
