import type { Logger } from 'pino';
import type { OpenWrite } from '../../db/open-writes.ts';
import type { Job } from '../leased-job.ts';

export interface LogHorizonDeps {
  /** The transaction holding the `$all` horizon, if any (the oldest of src/db/open-writes.ts). */
  oldest(): Promise<OpenWrite | undefined>;
  logger: Logger;
  warnAfterSeconds: number;
}

/**
 * `log-horizon`: names the transaction that holds back every reader of the log once it has been
 * open longer than LOG_HORIZON_WARN_SECONDS. Projection lag tells that readers are stuck; this
 * says why and who: one warning per holder, one info line when it has gone. Postgres store only.
 */
export function logHorizonJob(deps: LogHorizonDeps): Job {
  let warned: string | undefined;
  return {
    name: 'log-horizon',
    async run() {
      const oldest = await deps.oldest();
      const holder = oldest && oldest.seconds >= deps.warnAfterSeconds ? oldest : undefined;
      // One transaction: its session (or prepared gid) and its start.
      const key = holder && `${holder.pid ?? holder.application}@${holder.since}`;
      if (key === warned) return;
      if (warned !== undefined) deps.logger.info('the transaction that held the log horizon has ended');
      warned = key;
      if (holder) {
        deps.logger.warn(
          { holder },
          `transaction open ${Math.round(holder.seconds)} s (pid ${holder.pid ?? 'none'}, ${holder.application || 'no application_name'}, ${holder.state}) ` +
            'holds back every reader of the log: projections, live results and the vote path see nothing committed after it began. ' +
            'End it (COMMIT/ROLLBACK, pg_terminate_backend) or set idle_in_transaction_session_timeout',
        );
      }
    },
  };
}
