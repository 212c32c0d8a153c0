import { DateTime } from 'luxon';
import { type Result, refuse } from '../errors.js';

/**
 * When reminders may be sent (WORKING_HOURS, read in REPORT_TIMEZONE): `always`, or days and a daily
 * window such as `Mon-Fri 09:00-18:00` or `Mon,Wed,Fri 08:30-12:00`. The window is [start, end).
 */
export type WorkingHours =
  | { readonly always: true }
  | {
      readonly always: false;
      /** ISO weekdays: 1 = Monday … 7 = Sunday. */
      readonly days: ReadonlySet<number>;
      /** Minutes after midnight. */
      readonly startMinute: number;
      readonly endMinute: number;
    };

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const FORMAT = 'must be "always" or days and hours such as "Mon-Fri 09:00-18:00" (days Mon…Sun, 24-hour times)';

function dayNumber(name: string): number | undefined {
  const index = DAYS.indexOf(name.slice(0, 3).toLowerCase());
  return name.length === 3 && index >= 0 ? index + 1 : undefined;
}

/** "Mon-Fri", "Sat,Sun", "Fri-Mon" (wraps past Sunday) → ISO weekdays. */
function parseDays(text: string): Set<number> | undefined {
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const [first, last, extra] = part.split('-');
    const from = dayNumber(first ?? '');
    const to = last === undefined ? from : dayNumber(last);
    if (from === undefined || to === undefined || extra !== undefined) return undefined;
    for (let d = from; ; d = (d % 7) + 1) {
      days.add(d);
      if (d === to) break;
    }
  }
  return days;
}

/** "09:00" → 540; "24:00" is allowed as an end. */
function parseMinute(text: string): number | undefined {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) return undefined;
  return hours * 60 + minutes;
}

export function parseWorkingHours(text: string): Result<{ hours: WorkingHours }> {
  const value = text.trim();
  if (value.toLowerCase() === 'always') return { ok: true, hours: { always: true } };
  const match = /^(\S+)\s+(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(value);
  const days = match?.[1] ? parseDays(match[1]) : undefined;
  const startMinute = match?.[2] ? parseMinute(match[2]) : undefined;
  const endMinute = match?.[3] ? parseMinute(match[3]) : undefined;
  if (!days || startMinute === undefined || endMinute === undefined) return refuse('invalid_input', FORMAT);
  if (endMinute <= startMinute) return refuse('invalid_input', 'must end after it starts, e.g. "Mon-Fri 09:00-18:00"');
  return { ok: true, hours: { always: false, days, startMinute, endMinute } };
}

/** Whether `at`, seen in `timezone`, falls inside the working hours. */
export function isWorkingTime(hours: WorkingHours, at: Date, timezone: string): boolean {
  if (hours.always) return true;
  const local = DateTime.fromJSDate(at, { zone: timezone });
  const minute = local.hour * 60 + local.minute;
  return hours.days.has(local.weekday) && minute >= hours.startMinute && minute < hours.endMinute;
}
