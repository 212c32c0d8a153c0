/**
 * Turnaround times kept as counts per logarithmic bucket, so that months summarised separately can be
 * merged and still give a median with a known error. Bucket k holds durations in [G^k, G^(k+1))
 * seconds; bucket -1 holds everything under a second. The database assigns buckets with
 * `report_duration_bucket()` (see the ReportSummaries migration), which uses the same growth.
 */
export const BUCKET_GROWTH = 1.02;

/**
 * A bucket stands for its midpoint, which is within (G - 1) / 2 of anything in it, relative to that
 * value: 1% here. A median read from merged buckets is the midpoint of the bucket holding the middle
 * value (or the mean of two such midpoints), so it is within that same fraction of the exact median
 * (plus half a second for durations under a second).
 */
export const MEDIAN_RELATIVE_ERROR = (BUCKET_GROWTH - 1) / 2;

export interface BucketCount {
  readonly bucket: number;
  readonly count: number;
}

/** The seconds a bucket stands for: the midpoint of [G^k, G^(k+1)), or half a second for bucket -1. */
export function bucketMidpoint(bucket: number): number {
  if (bucket < 0) return 0.5;
  return (BUCKET_GROWTH ** bucket * (1 + BUCKET_GROWTH)) / 2;
}

/** Adds up counts of the same bucket (from several months, or from summaries and raw rows). */
export function mergeBuckets(parts: Iterable<BucketCount>): BucketCount[] {
  const counts = new Map<number, number>();
  for (const { bucket, count } of parts) counts.set(bucket, (counts.get(bucket) ?? 0) + count);
  return [...counts].map(([bucket, count]) => ({ bucket, count })).sort((a, b) => a.bucket - b.bucket);
}

/**
 * The median as PostgreSQL's percentile_cont(0.5) defines it (the middle value, or the mean of the
 * two middle values), with each value read as its bucket's midpoint. Null when there are none.
 */
export function histogramMedian(parts: Iterable<BucketCount>): number | null {
  const buckets = mergeBuckets(parts);
  const total = buckets.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return null;
  // 1-based ranks of the middle value(s).
  const lower = Math.ceil(total / 2);
  const upper = Math.floor(total / 2) + 1;
  const valueAt = (rank: number): number => {
    let seen = 0;
    for (const b of buckets) {
      seen += b.count;
      if (seen >= rank) return bucketMidpoint(b.bucket);
    }
    return bucketMidpoint(buckets.at(-1)?.bucket ?? -1);
  };
  return (valueAt(lower) + valueAt(total % 2 === 1 ? lower : upper)) / 2;
}
