import type { RebuildProgress } from '../../projections/rebuild/rebuild.ts';

/**
 * The rebuild's one-line bar on stderr: share of the log, phase, events applied, events/s.
 * Redrawn at most 10 times a second on a terminal; without one, a plain line every 5 s (and on
 * each phase change), so the log of a scripted run stays readable.
 *
 * The share is by position between the projection's first event and the head: positions grow
 * with transactions, not events, so it is a guide, not an exact count (counting a million events
 * up front would cost a scan of its own).
 */
export function rebuildProgressBar(out: NodeJS.WriteStream = process.stderr) {
  const tty = out.isTTY === true;
  let lastDraw = 0;
  let lastPhase = '';
  const render = (p: RebuildProgress): string => {
    const span = Number(p.head - p.first);
    const share = span > 0 ? Math.min(1, Math.max(0, Number(p.position - p.first) / span)) : 1;
    const width = 30;
    const filled = Math.round(share * width);
    const rate = Math.round(p.applied / Math.max(p.elapsedMs / 1000, 0.001));
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${p.phase.padEnd(8)} ` +
      `${p.applied.toLocaleString('en')} events  ${rate.toLocaleString('en')} events/s  ${(p.elapsedMs / 1000).toFixed(1)} s`;
  };
  return {
    update(p: RebuildProgress): void {
      const now = Date.now();
      const phaseChanged = p.phase !== lastPhase;
      lastPhase = p.phase;
      if (tty && (phaseChanged || now - lastDraw >= 100)) {
        lastDraw = now;
        out.write(`\r${render(p)}\u001b[K`);
      } else if (!tty && (phaseChanged || now - lastDraw >= 5_000)) {
        lastDraw = now;
        out.write(`${render(p)}\n`);
      }
    },
    done(p: RebuildProgress | undefined): void {
      if (p) out.write(tty ? `\r${render(p)}\u001b[K\n` : `${render(p)}\n`);
    },
  };
}
