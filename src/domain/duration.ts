import { type Result, refuse } from '../errors.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Reads a duration such as `5s`, `90s`, `30m`, `4h` or `30d` into milliseconds: any positive whole
 * number with a unit, no minimum. `0` (no unit) is accepted only where it means "never".
 */
export function parseDuration(text: string, options: { allowZero?: boolean } = {}): Result<{ ms: number }> {
  const value = text.trim().toLowerCase();
  if (options.allowZero && /^0+[smhd]?$/.test(value)) return { ok: true, ms: 0 };
  const match = /^(\d{1,9})\s*([smhd])$/.exec(value);
  const amount = match ? Number(match[1]) : 0;
  if (!match?.[2] || amount <= 0) {
    return refuse(
      'invalid_input',
      `must be a positive duration with a unit, such as 90s, 30m, 4h or 30d${options.allowZero ? ' (or 0 for never)' : ''}`,
    );
  }
  return { ok: true, ms: amount * (UNITS[match[2]] ?? 0) };
}

/** "4h", "90s", "30d": a duration as people write it (the largest unit that divides it). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    const size = UNITS[unit] ?? 1;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

/** The longest a time-driven job may wait between looks, so it acts within 30 s of work becoming due. */
export const MAX_CHECK_INTERVAL_MS = 30_000;

/**
 * How often a time-driven job looks for due work: at least every 30 seconds, and sooner when a
 * configured duration is shorter (a 5s reminder is looked for every 5 s). Never more than once a second.
 */
export function checkIntervalMs(durationsMs: readonly number[]): number {
  const positive = durationsMs.filter((d) => d > 0);
  return Math.max(1_000, Math.min(MAX_CHECK_INTERVAL_MS, ...positive));
}
