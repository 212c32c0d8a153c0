import { describe, expect, test } from '@jest/globals';
import { isWorkingTime, parseWorkingHours, type WorkingHours } from '../../src/domain/working-hours.js';

const hours = (text: string): WorkingHours => {
  const parsed = parseWorkingHours(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.hours;
};

describe('working hours', () => {
  const weekdays = hours('Mon-Fri 09:00-18:00');

  test.each([
    ['2026-11-30T09:00:00Z', true], // Monday, the first minute
    ['2026-11-30T17:59:59Z', true],
    ['2026-11-30T18:00:00Z', false], // the end is not inside
    ['2026-11-30T08:59:59Z', false],
    ['2026-12-04T12:00:00Z', true], // Friday
    ['2026-12-05T12:00:00Z', false], // Saturday
    ['2026-12-06T12:00:00Z', false], // Sunday
  ])('Mon-Fri 09:00-18:00 in UTC at %s: %s', (at, inside) => {
    expect(isWorkingTime(weekdays, new Date(at), 'UTC')).toBe(inside);
  });

  test('hours are read in the given time zone', () => {
    // 08:30 UTC is 09:30 in Berlin (CET) and 03:30 in New York.
    const at = new Date('2026-11-30T08:30:00Z');
    expect(isWorkingTime(weekdays, at, 'Europe/Berlin')).toBe(true);
    expect(isWorkingTime(weekdays, at, 'America/New_York')).toBe(false);
    // Saturday 23:30 UTC is already Sunday 00:30 in Berlin.
    expect(isWorkingTime(hours('Sun 00:00-01:00'), new Date('2026-12-05T23:30:00Z'), 'Europe/Berlin')).toBe(true);
  });

  test('always is always; day lists, ranges that wrap past Sunday and 24:00 are understood', () => {
    expect(isWorkingTime(hours('always'), new Date('2026-12-06T03:00:00Z'), 'UTC')).toBe(true);
    expect(hours('Fri-Mon 00:00-24:00')).toMatchObject({ days: new Set([5, 6, 7, 1]), endMinute: 1440 });
    expect(hours('mon,WED,fri 08:30-12:00')).toMatchObject({ days: new Set([1, 3, 5]), startMinute: 510 });
  });

  test.each([
    '',
    'sometimes',
    'Mon-Fri',
    'Mon-Fri 9:00-18:00',
    'Mon-Fri 09:00-09:00',
    'Mon-Fri 09:60-10:00',
    'Mon-Tue-Wed 09:00-10:00',
    'Monday 09:00-10:00',
  ])('%p is refused with the expected format', (text) => {
    const parsed = parseWorkingHours(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok || parsed.message).toMatch(/^must /);
  });
});
