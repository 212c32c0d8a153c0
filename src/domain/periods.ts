import { DateTime } from 'luxon';
import { type Result, refuse } from '../errors.js';

/** A half-open interval [start, end) of instants, cut at midnights of a time zone. */
export interface Period {
  readonly start: Date;
  readonly end: Date;
  readonly label: string;
  /** The IANA zone whose midnights cut it. */
  readonly zone: string;
}

export const PERIOD_HELP = '`today`, `7d`, `30d`, `this-month`, `last-month`, `2026-10` or `2026-10-01..2026-10-15`';

export type PeriodResult = Result<{ period: Period }>;

const MAX_DAYS = 3660;

/**
 * Reads a report period in `zone` (an IANA name). Days are calendar days there, so "today" in
 * Europe/Berlin starts at 23:00 or 22:00 UTC depending on daylight saving time.
 */
export function parsePeriod(text: string | undefined, zone: string, now: Date = new Date()): PeriodResult {
  const word = (text ?? '30d').trim().toLowerCase();
  const today = DateTime.fromJSDate(now, { zone }).startOf('day');
  const make = (start: DateTime, end: DateTime, label: string): PeriodResult => ({
    ok: true,
    period: { start: start.toJSDate(), end: end.toJSDate(), label: `${label} (${zone})`, zone },
  });
  const day = (iso: string) => DateTime.fromISO(iso, { zone }).startOf('day');

  if (word === 'today') return make(today, today.plus({ days: 1 }), `today, ${today.toISODate()}`);
  const days = /^(\d{1,4})d$/.exec(word);
  if (days) {
    const n = Number(days[1]);
    if (n < 1 || n > MAX_DAYS) return refuse('invalid_input', `Use between 1d and ${MAX_DAYS}d.`);
    const start = today.minus({ days: n - 1 });
    return make(start, today.plus({ days: 1 }), `last ${n} days, ${start.toISODate()} – ${today.toISODate()}`);
  }
  if (word === 'this-month') {
    const start = today.startOf('month');
    return make(start, start.plus({ months: 1 }), start.toFormat('LLLL yyyy'));
  }
  if (word === 'last-month') {
    const start = today.startOf('month').minus({ months: 1 });
    return make(start, start.plus({ months: 1 }), start.toFormat('LLLL yyyy'));
  }
  if (/^\d{4}-\d{2}$/.test(word)) {
    const start = DateTime.fromISO(`${word}-01`, { zone });
    if (!start.isValid) return refuse('invalid_input', `${word} is not a month.`);
    return make(start, start.plus({ months: 1 }), start.toFormat('LLLL yyyy'));
  }
  const range = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(word);
  if (range?.[1] && range[2]) {
    const start = day(range[1]);
    const last = day(range[2]);
    if (!start.isValid || !last.isValid) return refuse('invalid_input', `${word} has a date that does not exist.`);
    if (last < start) return refuse('invalid_input', 'The range ends before it starts.');
    if (last.diff(start, 'days').days > MAX_DAYS)
      return refuse('invalid_input', 'That range is too long (ten years at most).');
    return make(start, last.plus({ days: 1 }), `${start.toISODate()} – ${last.toISODate()}`);
  }
  return refuse('invalid_input', `I don't know the period "${word}". Use ${PERIOD_HELP}.`);
}

/** The calendar day and month in `zone` that contain `at`, as half-open instants. */
export function dayAndMonthOf(at: Date, zone: string): { day: Period; month: Period } {
  const local = DateTime.fromJSDate(at, { zone });
  const day = local.startOf('day');
  const month = local.startOf('month');
  return {
    day: { start: day.toJSDate(), end: day.plus({ days: 1 }).toJSDate(), label: day.toISODate() ?? '', zone },
    month: {
      start: month.toJSDate(),
      end: month.plus({ months: 1 }).toJSDate(),
      label: month.toFormat('LLLL yyyy'),
      zone,
    },
  };
}

/** English locales whose short zone names differ (EST only in en-US, CET only in en-GB, IST, AEST). */
const ZONE_NAME_LOCALES = ['en-US', 'en-GB', 'en-IN', 'en-AU'];

/**
 * When something happened, as people in `zone` read it: "21 Nov 14:03 CET" — the zone's usual
 * abbreviation where an English locale knows one, its offset otherwise ("GMT+3"). Cards and lists say
 * who did what and when this way.
 */
export function formatLocalTime(at: Date, zone: string): string {
  const local = DateTime.fromJSDate(at, { zone });
  const names = ZONE_NAME_LOCALES.map((locale) => local.setLocale(locale).toFormat('ZZZZ'));
  const name = names.find((n) => !/^GMT[+-]/.test(n)) ?? names[0];
  return `${local.setLocale('en-GB').toFormat('d LLL HH:mm')} ${name}`;
}

/** The first and last calendar day of a period in `zone` ("2026-11-01", "2026-11-30"): its end is exclusive. */
export function periodDays(period: Pick<Period, 'start' | 'end'>, zone: string): { first: string; last: string } {
  const day = (at: Date) => DateTime.fromJSDate(at, { zone }).toISODate() ?? '';
  return { first: day(period.start), last: day(new Date(period.end.getTime() - 1)) };
}

/** How many calendar days of its zone the period spans (a month: 28 to 31). */
export function calendarDays(period: Pick<Period, 'start' | 'end' | 'zone'>): number {
  const at = (date: Date) => DateTime.fromJSDate(date, { zone: period.zone });
  return Math.round(at(period.end).diff(at(period.start), 'days').days);
}

/** A stretch of a period: a whole calendar month of its zone, or the days of one month at either end. */
export interface PeriodSegment {
  readonly start: Date;
  readonly end: Date;
  readonly wholeMonth: boolean;
}

/**
 * The period cut at the month starts of its zone, in order: `2026-01-30..2026-03-02` is 30–31 January,
 * all of February, and 1–2 March. Whole months are the ones a monthly summary can stand for.
 */
export function monthSegments(period: Pick<Period, 'start' | 'end' | 'zone'>): PeriodSegment[] {
  const end = DateTime.fromJSDate(period.end, { zone: period.zone });
  const segments: PeriodSegment[] = [];
  let from = DateTime.fromJSDate(period.start, { zone: period.zone });
  while (from < end) {
    const monthStart = from.startOf('month');
    const nextMonth = monthStart.plus({ months: 1 });
    const to = DateTime.min(nextMonth, end);
    segments.push({
      start: from.toJSDate(),
      end: to.toJSDate(),
      wholeMonth: +from === +monthStart && +to === +nextMonth,
    });
    from = to;
  }
  return segments;
}
