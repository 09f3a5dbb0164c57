import type { VerifyReport } from './verify.ts';

export function formatReport(report: VerifyReport): string {
  const mark = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'OK' : 'FAILED');
  const cp = report.checkpoint;
  const lines = [
    `poll ${report.pollId}: ${report.ok ? 'VERIFIED' : 'PROBLEMS FOUND'}`,
    `  events checked      ${report.eventsChecked} (${report.streams} streams, ${report.checkpointsChecked} checkpoints)`,
    `  chain               ${mark(report.chainOk)}`,
    cp
      ? `  checkpoint          signature ${mark(cp.signatureOk)}, merkle root ${mark(cp.merkleRootOk)} (through ${cp.through}, signed ${cp.signedAt}, key ${cp.keyId})`
      : '  checkpoint          none yet',
    `  results match       ${mark(report.resultsMatch)}`,
    `  head hash           ${report.headHash}`,
  ];
  if (report.results) lines.push(`  re-tallied          ${report.results.totalBallots} ballots counted, ${report.results.flaggedPending} flagged pending, status ${report.results.status}, as of position ${report.results.position}`);
  for (const p of report.problems) {
    const where = [p.stream && `stream ${p.stream}`, p.revision && `revision ${p.revision}`, p.position && `position ${p.position}`].filter(Boolean).join(', ');
    lines.push(`  PROBLEM ${p.code}${where ? ` (${where})` : ''}: ${p.message}`);
  }
  for (const w of report.warnings) lines.push(`  note: ${w}`);
  return lines.join('\n');
}
