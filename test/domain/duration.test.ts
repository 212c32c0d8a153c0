import { describe, expect, test } from '@jest/globals';
import { checkIntervalMs, formatDuration, parseDuration } from '../../src/domain/duration.js';

describe('durations', () => {
  test.each([
    ['5s', 5_000],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['4h', 14_400_000],
    ['30d', 2_592_000_000],
    [' 2H ', 7_200_000],
    ['1s', 1_000],
  ])('"%s" is %d ms, with no minimum', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  test.each(['', '0', '0s', '-5m', '5', '5 minutes', '1.5h', 'h', '5w'])(
    '"%s" is refused with how to write it',
    (text) => {
      expect(parseDuration(text)).toMatchObject({
        ok: false,
        code: 'invalid_input',
        message: expect.stringMatching(/90s, 30m, 4h or 30d/),
      });
    },
  );

  test('0 means never only where it is allowed', () => {
    expect(parseDuration('0', { allowZero: true })).toEqual({ ok: true, ms: 0 });
    expect(parseDuration('0', { allowZero: false }).ok).toBe(false);
  });

  test('durations read back as written', () => {
    expect(
      ['5s', '90s', '30m', '4h', '30d'].map((d) =>
        formatDuration(parseDuration(d).ok ? (parseDuration(d) as { ms: number }).ms : 0),
      ),
    ).toEqual(['5s', '90s', '30m', '4h', '30d']);
  });

  test('time-driven jobs look at least every 30 s, and as often as the shortest configured duration', () => {
    expect(checkIntervalMs([])).toBe(30_000);
    expect(checkIntervalMs([4 * 3_600_000, 0])).toBe(30_000);
    expect(checkIntervalMs([5_000, 3_600_000])).toBe(5_000);
    expect(checkIntervalMs([10])).toBe(1_000);
    expect(checkIntervalMs([0])).toBe(30_000);
    expect(formatDuration(86_400_000)).toBe('1d');
  });
});
