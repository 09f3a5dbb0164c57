import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PollDefinition } from '../../domain/poll/definition.ts';
import { analyticsCsv } from './analytics-csv.ts';
import { emptyAnalytics, type AnalyticsView } from './get-analytics.ts';

const POLL_ID = '3f9a1c52-8d4e-4b1a-9c7e-2a5b6c7d8e9f';
const COUNTRY_DATA = { source: 'test.mmdb', builtAt: '2026-06-17T00:00:00.000Z' };

const pollOf = (title: string, texts: string[]): PollDefinition => ({
  pollId: POLL_ID,
  slug: 'lunch',
  organizerId: '00000000-0000-4000-8000-000000000001',
  title,
  description: null,
  questions: texts.map((text, i) => ({ questionId: `00000000-0000-4000-8000-00000000010${i}`, text, kind: 'rating', scale: { min: 1, max: 5 } })),
  settings: {
    voterPolicy: 'account', anonymous: false, allowChangeVote: false, visibility: 'public', showResultsBeforeClose: true,
    startsAt: null, endsAt: null, fraudVelocityLimit: null, fraudVelocityWindowSeconds: null,
  },
  createdAt: '2030-03-01T09:00:00.000Z',
});

const rowsOf = (csv: string): string[][] => parse(csv, { bom: true });
const FORMULA_START = /^[=+\-@\t\r]/;

describe('analyticsCsv', () => {
  it('makes every text cell inert, the breakdown keys too, and keeps the table rectangular', () => {
    // Device classes and country codes come from our own lookups, but a changed country database
    // or a future device rule must not be able to put a formula into an analyst's sheet either.
    const view: AnalyticsView = { ...emptyAnalytics(POLL_ID), totalBallots: 2, devices: { '=1+1': 1, '@x': 1 }, countries: { '\tTAB': 1, '\rCR': 1 } };
    const csv = analyticsCsv(view, pollOf('\tTabbed, "quoted"\ntitle', ['\rcarriage', '-1', '+1', '@x']), 'minute', COUNTRY_DATA);
    const rows = rowsOf(csv);
    for (const row of rows) expect(row).toHaveLength(6);
    expect(rows).toContainEqual(['summary', 'title', '\'\tTabbed, "quoted"\ntitle', '', '', '']);
    expect(rows.filter(([s]) => s === 'device' || s === 'country').map(([, key]) => key)).toEqual(["'=1+1", "'@x", "'\tTAB", "'\rCR"]);
    expect(rows.filter(([s]) => s === 'question').map(([, , label]) => label)).toEqual(["'\rcarriage", "'-1", "'+1", "'@x"]);
  });

  it('whatever the organizer typed, a cell never starts a formula and reads back as typed after the quote', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 3 }), (title, texts) => {
        const rows = rowsOf(analyticsCsv(emptyAnalytics(POLL_ID), pollOf(title, texts), 'hour', COUNTRY_DATA));
        for (const cell of rows.flat()) expect(cell).not.toMatch(FORMULA_START);
        const typed = (text: string) => (FORMULA_START.test(text) ? `'${text}` : text);
        expect(rows.find(([s, k]) => s === 'summary' && k === 'title')![2]).toBe(typed(title));
        expect(rows.filter(([s]) => s === 'question').map(([, , label]) => label)).toEqual(texts.map(typed));
      }),
      { numRuns: 100 },
    );
  });

  it('writes RFC 4180 records: CRLF after every one, a byte order mark first', () => {
    const csv = analyticsCsv(emptyAnalytics(POLL_ID), pollOf('Lunch', ['Where?']), 'minute', COUNTRY_DATA);
    expect(csv.startsWith('\uFEFFsection,key,label,value,shown,rate\r\n')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  });
});
