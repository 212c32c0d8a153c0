import { describe, expect, test } from '@jest/globals';
import { checkIntervalMs, formatDuration, parseDuration } from '../../src/domain/duration.js';

describe('durations', () => {
  test.each([
    ['5s', 5_000],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['4h', 14_400_000],
    ['30d', 2_592_000_000],
    ['1s', 1_000],
  ])('%s is %d ms, with no minimum', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  test.each(['0', '0s', '10', '-5m', '1.5h', '4 hours', '', 'h'])(
    '%p is refused where zero does not mean never',
    (text) => {
      expect(parseDuration(text).ok).toBe(false);
    },
  );

  test('0 means never only where allowed', () => {
    expect(parseDuration('0', { allowZero: true })).toEqual({ ok: true, ms: 0 });
    expect(parseDuration('x', { allowZero: true })).toMatchObject({
      ok: false,
      message: expect.stringContaining('0 for never'),
    });
  });

  test('a duration is shown as people write it', () => {
    expect([86_400_000, 14_400_000, 90_000, 5_000].map(formatDuration)).toEqual(['1d', '4h', '90s', '5s']);
  });

  test('jobs look at least every 30 s, sooner for shorter durations, never more than once a second', () => {
    expect(checkIntervalMs([4 * 3_600_000, 30 * 86_400_000])).toBe(30_000);
    expect(checkIntervalMs([5_000, 0])).toBe(5_000);
    expect(checkIntervalMs([200])).toBe(1_000);
    expect(checkIntervalMs([0])).toBe(30_000);
  });
});
