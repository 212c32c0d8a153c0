import { describe, expect, test } from '@jest/globals';
import {
  BUCKET_GROWTH,
  bucketMidpoint,
  histogramMedian,
  MEDIAN_RELATIVE_ERROR,
  mergeBuckets,
} from '../../src/domain/duration-histogram.js';

/** The bucket report_duration_bucket() assigns (the SQL is the reference; this mirrors it for tests). */
const bucketOf = (seconds: number) => (seconds < 1 ? -1 : Math.floor(Math.log(seconds) / Math.log(BUCKET_GROWTH)));

/** percentile_cont(0.5), as PostgreSQL computes it. */
function exactMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return ((sorted[Math.floor(mid)] ?? 0) + (sorted[Math.ceil(mid)] ?? 0)) / 2;
}

/** A small deterministic PRNG, so a failure can be replayed. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('duration histograms', () => {
  test('when the counts are merged, then each bucket adds up and the order is by bucket', () => {
    expect(
      mergeBuckets([
        { bucket: 3, count: 2 },
        { bucket: -1, count: 1 },
        { bucket: 3, count: 5 },
      ]),
    ).toEqual([
      { bucket: -1, count: 1 },
      { bucket: 3, count: 7 },
    ]);
  });

  test('when there is nothing, then there is no median', () => {
    expect(histogramMedian([])).toBeNull();
  });

  test('when the middle values fall in two buckets, then the median is the mean of their midpoints', () => {
    const values = [10, 20, 3600, 7200];
    const median = histogramMedian(values.map((v) => ({ bucket: bucketOf(v), count: 1 })));
    expect(median).toBeCloseTo((bucketMidpoint(bucketOf(20)) + bucketMidpoint(bucketOf(3600))) / 2, 6);
  });

  test.each([1, 2, 3, 4, 5, 6])(
    'when durations spread from seconds to weeks (seed %i), then the median from buckets is within the bound',
    (seed) => {
      const random = mulberry32(seed);
      for (let round = 0; round < 200; round++) {
        const n = 1 + Math.floor(random() * 400);
        // Log-uniform from 0.1 s to 30 days, with ties (whole minutes) half the time.
        const values = Array.from({ length: n }, () => {
          const seconds = 0.1 * 10 ** (random() * 7.4);
          return random() < 0.5 ? Math.round(seconds / 60) * 60 : seconds;
        });
        const estimate = histogramMedian(values.map((v) => ({ bucket: bucketOf(v), count: 1 }))) ?? Number.NaN;
        const exact = exactMedian(values);
        expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(MEDIAN_RELATIVE_ERROR * exact + 0.5 + 1e-9);
      }
    },
  );
});
