import type { CommonQueryMethods } from 'slonik';
import { csvCell } from '../../adapters/csv-cell.ts';
import type { CountryDataInfo } from '../../adapters/geo/country-database.ts';
import type { PollDefinition } from '../../domain/poll/definition.ts';
import { emptyAnalytics, getAnalytics, type AnalyticsBucket, type AnalyticsView } from './get-analytics.ts';

/**
 * The columns of exportAnalyticsCsv (README, "Analytics"). One rectangular table rather than a
 * block per figure, so that pandas, R and a spreadsheet's filter all read it as it is: `section`
 * says what a row is, `key` which one; text lives in `label` only and `value` is always a number
 * or empty, so the column loads as numeric.
 */
export const ANALYTICS_CSV_COLUMNS = ['section', 'key', 'label', 'value', 'shown', 'rate'] as const;

type Row = { section: string; key: string; label?: string; value?: number | null; shown?: number; rate?: number | null };

// Excel reads a CSV without a byte order mark in the machine's legacy code page, which garbles
// every non-ASCII title and question; pandas and readr skip the mark.
const BOM = '\uFEFF';

const number = (n: number | null | undefined): string => (n === null || n === undefined ? '' : String(n));

/** RFC 4180 records (CRLF); every text cell through csvCell, since titles and questions are anyone's input. */
function line(row: Row): string {
  return [
    csvCell(row.section), csvCell(row.key), csvCell(row.label ?? ''), number(row.value), number(row.shown), number(row.rate),
  ].join(',');
}

/** The figures of the view that are one number each, the summary rows after the poll's own. */
type Figure = { [K in keyof AnalyticsView]: AnalyticsView[K] extends number | null ? K : never }[keyof AnalyticsView];

/** Most ballots first, then by name: the order a reader scans for, and the same on every export (jsonb keeps no order of ours). */
const breakdown = (section: string, counts: Record<string, number>): Row[] =>
  Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, ballots]) => ({ section, key, value: ballots }));

/** The CSV of one poll's figures: summary, time series, devices, countries, then questions in the poll's order. */
export function analyticsCsv(view: AnalyticsView, poll: PollDefinition, bucket: AnalyticsBucket, countryData: CountryDataInfo): string {
  const figure = (key: Figure): Row => ({ section: 'summary', key, value: view[key] });
  // Questions come from the definition, not the view: a poll the read model has not seen yet
  // still lists every question (none shown), and the text is the one the voters saw.
  const byId = new Map(view.questions.map((q) => [q.questionId, q]));
  const rows: Row[] = [
    { section: 'summary', key: 'pollId', label: poll.pollId },
    { section: 'summary', key: 'title', label: poll.title },
    { section: 'summary', key: 'bucket', label: bucket },
    figure('totalBallots'),
    figure('uniqueVoters'),
    figure('completionRate'),
    figure('avgResponseSeconds'),
    figure('medianResponseSeconds'),
    figure('p90ResponseSeconds'),
    figure('timedBallots'),
    { section: 'summary', key: 'countryDataSource', label: countryData.source },
    { section: 'summary', key: 'countryDataBuiltAt', label: countryData.builtAt },
    ...view.timeSeries.map(({ bucket: start, ballots }) => ({ section: 'timeSeries', key: start, value: ballots })),
    ...breakdown('device', view.devices),
    ...breakdown('country', view.countries),
    ...poll.questions.map((q) => {
      const seen = byId.get(q.questionId);
      return { section: 'question', key: q.questionId, label: q.text, value: seen?.answered ?? 0, shown: seen?.shown ?? 0, rate: seen?.answerRate ?? null };
    }),
  ];
  return `${BOM}${[ANALYTICS_CSV_COLUMNS.join(','), ...rows.map(line)].join('\r\n')}\r\n`;
}

/** exportAnalyticsCsv: the figures getAnalytics gives, as one CSV table. */
export async function getAnalyticsCsv(
  db: CommonQueryMethods, poll: PollDefinition, bucket: AnalyticsBucket, countryData: CountryDataInfo,
): Promise<string> {
  const view = (await getAnalytics(db, poll.pollId, bucket)) ?? emptyAnalytics(poll.pollId);
  return analyticsCsv(view, poll, bucket, countryData);
}
