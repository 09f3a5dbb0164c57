import { sql } from 'slonik';
import { z } from 'zod';
import type { PollSettings, QuestionDefinition } from '../../domain/poll/definition.ts';
import { isoTime, jsonOf, nullableIsoTime } from '../shared/columns.ts';

export interface PollView {
  pollId: string;
  slug: string;
  organizerId: string;
  title: string;
  description: string | null;
  status: 'draft' | 'active' | 'closed';
  settings: PollSettings;
  questions: readonly QuestionDefinition[];
  createdAt: string;
  openedAt: string | null;
  closedAt: string | null;
  /**
   * Ballots cast before the close (flags not applied). A route must hide it where the poll hides
   * its results (`showResultsBeforeClose: false` and not closed) from anyone but the organizer.
   */
  ballots: number;
}

export type PollSummary = Omit<PollView, 'questions'>;

export const POLL_COLUMNS = sql.fragment`
  poll_id, slug, organizer_id, title, description, status, settings, created_at, opened_at, closed_at, ballots`;

export const pollColumns = z.object({
  poll_id: z.string(),
  slug: z.string(),
  organizer_id: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  status: z.enum(['draft', 'active', 'closed']),
  settings: jsonOf<PollSettings>(),
  created_at: isoTime,
  opened_at: nullableIsoTime,
  closed_at: nullableIsoTime,
  ballots: z.number().int(),
});

export const toSummary = (r: z.output<typeof pollColumns>): PollSummary => ({
  pollId: r.poll_id,
  slug: r.slug,
  organizerId: r.organizer_id,
  title: r.title,
  description: r.description,
  status: r.status,
  settings: r.settings,
  createdAt: r.created_at,
  openedAt: r.opened_at,
  closedAt: r.closed_at,
  ballots: r.ballots,
});

export const pollViewRow = pollColumns
  .extend({ questions: jsonOf<readonly QuestionDefinition[]>() })
  .transform((r): PollView => ({ ...toSummary(r), questions: r.questions }));
