import type { Clock } from '../../src/domain/clock.js';

/** A clock tests move by hand: time-driven rules are tested without waiting for real time. */
export class FakeClock implements Clock {
  private current: number;

  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(at: Date): void {
    this.current = at.getTime();
  }
}

/** The first Monday at `hour`:00 UTC at least a day after `after`: a working day ahead of the real clock. */
export function nextMondayAt(hour: number, after: Date = new Date()): Date {
  const at = new Date(after.getTime() + 86_400_000);
  at.setUTCHours(hour, 0, 0, 0);
  while (at.getUTCDay() !== 1) at.setUTCDate(at.getUTCDate() + 1);
  return at;
}

export const SECOND = 1_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
