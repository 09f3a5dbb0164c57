import { ValidationError } from '../../../domain/shared/errors.ts';
import { assertPollVisible } from '../../poll-access.ts';
import { AUDIT_READERS, auditShowsIdentities, requireRole } from '../../read-rules.ts';
import type { GraphqlContext } from '../context.ts';
import { PAGE_SIZE, pageSize } from '../limits.ts';
import { pollState, type PollNode } from './polls.ts';

/** The audit cursor is REST's `after`: a log position, as a decimal string. */
function position(after: string | null | undefined): bigint {
  if (after === undefined || after === null) return 0n;
  if (!/^\d{1,16}$/.test(after)) throw new ValidationError('request.invalid', 'after must be a cursor this API issued (a log position)', { field: 'after' });
  return BigInt(after);
}

export const pollAuditField = {
  /** listAuditEvents: auditors and admins, drafts by the draft rule, identities only for auditors. */
  async auditEvents(poll: PollNode, args: { first: number; after?: string | null }, context: GraphqlContext) {
    const user = requireRole(await context.caller(), AUDIT_READERS);
    const state = await pollState(context, poll.pollId);
    assertPollVisible(state, user);
    const page = await context.queries.auditEvents(poll.pollId, {
      after: position(args.after),
      limit: pageSize(args.first, PAGE_SIZE.auditEvents),
      showIdentities: auditShowsIdentities(state, user),
    });
    const nodes = page.items.map((e) => ({ ...e, position: Number(e.position), revision: Number(e.revision) }));
    const next = page.nextCursor === null ? null : String(page.nextCursor);
    return { nodes, pageInfo: { hasNextPage: next !== null, endCursor: next } };
  },
};
