import { describe, expect, test } from '@jest/globals';
import { csvCell, toCsv } from '../../src/domain/csv.js';
import { calendarDays, monthSegments, parsePeriod } from '../../src/domain/periods.js';

const period = (text: string | undefined, zone: string, now: string) => {
  const result = parsePeriod(text, zone, new Date(now));
  if (!result.ok) throw new Error(result.message);
  return [result.period.start.toISOString(), result.period.end.toISOString()];
};

describe('report periods', () => {
  test.each([
    ['today', 'UTC', '2026-11-21T10:00:00Z', '2026-11-21T00:00:00.000Z', '2026-11-22T00:00:00.000Z'],
    ['7d', 'UTC', '2026-11-21T10:00:00Z', '2026-11-15T00:00:00.000Z', '2026-11-22T00:00:00.000Z'],
    [undefined, 'UTC', '2026-11-21T10:00:00Z', '2026-10-23T00:00:00.000Z', '2026-11-22T00:00:00.000Z'],
    ['this-month', 'UTC', '2026-11-21T10:00:00Z', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    ['last-month', 'UTC', '2026-03-31T23:59:59Z', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
    ['2024-02', 'UTC', '2026-11-21T10:00:00Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2026-01-30..2026-02-02', 'UTC', '2026-11-21T10:00:00Z', '2026-01-30T00:00:00.000Z', '2026-02-03T00:00:00.000Z'],
    // Time zone edges: Berlin's day starts an hour (winter) or two (summer) before UTC's.
    ['today', 'Europe/Berlin', '2026-11-20T23:30:00Z', '2026-11-20T23:00:00.000Z', '2026-11-21T23:00:00.000Z'],
    ['2026-03', 'Europe/Berlin', '2026-11-21T10:00:00Z', '2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'],
    [
      'last-month',
      'America/Los_Angeles',
      '2026-12-01T05:00:00Z',
      '2026-10-01T07:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ],
  ])('%s in %s at %s → [%s, %s)', (text, zone, now, start, end) => {
    expect(period(text, zone, now)).toEqual([start, end]);
  });

  test.each(['yesterday-ish', '0d', '2026-13', '2026-02-30..2026-03-01', '2026-03-02..2026-03-01', '99999d'])(
    '"%s" is refused with a reason',
    (text) => {
      const result = parsePeriod(text, 'UTC', new Date('2026-11-21T10:00:00Z'));
      expect(result.ok).toBe(false);
    },
  );
});

describe('month segments (what monthly summaries can stand for)', () => {
  const segments = (text: string, zone: string) => {
    const result = parsePeriod(text, zone, new Date('2026-11-21T10:00:00Z'));
    if (!result.ok) throw new Error(result.message);
    return monthSegments(result.period).map((s) => [s.start.toISOString(), s.end.toISOString(), s.wholeMonth]);
  };

  test('when a range starts and ends inside months, then the ends are partial and the months between whole', () => {
    expect(segments('2026-01-30..2026-03-02', 'UTC')).toEqual([
      ['2026-01-30T00:00:00.000Z', '2026-02-01T00:00:00.000Z', false],
      ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', true],
      ['2026-03-01T00:00:00.000Z', '2026-03-03T00:00:00.000Z', false],
    ]);
  });

  test('when the zone is not UTC, then months start at its midnights (daylight saving time included)', () => {
    expect(segments('2026-03-15..2026-04-30', 'Europe/Berlin')).toEqual([
      ['2026-03-14T23:00:00.000Z', '2026-03-31T22:00:00.000Z', false],
      ['2026-03-31T22:00:00.000Z', '2026-04-30T22:00:00.000Z', true],
    ]);
  });

  test('when the period is one calendar month, then it is one whole segment of 28 to 31 days', () => {
    expect(segments('2026-02', 'UTC')).toEqual([['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', true]]);
    const october = parsePeriod('2026-10', 'Europe/Berlin');
    expect(october.ok && calendarDays(october.period)).toBe(31);
  });

  test('when the period is a year of days, then eleven months are whole and the ends cover the rest', () => {
    const year = segments('365d', 'UTC');
    expect(year.filter(([, , whole]) => whole)).toHaveLength(11);
    expect(year[0]?.[0]).toBe('2025-11-22T00:00:00.000Z');
    expect(year.at(-1)?.[1]).toBe('2026-11-22T00:00:00.000Z');
  });
});

describe('CSV', () => {
  test('RFC 4180 quoting and CRLF line ends', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', 'two\nlines', null, 12n]])).toBe(
      'a,"b,c","say ""hi""","two\nlines",,12\r\n',
    );
  });

  test.each([
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1+1', "'+1+1"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
  ])('formula-looking text %s is neutralised', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  test('numbers and dates are written as they are', () => {
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(new Date('2026-11-21T10:00:00Z'))).toBe('2026-11-21T10:00:00.000Z');
  });
});
