/**
 * Log-bucketed latency histograms. Bucket i holds latencies in [2^(i/8), 2^((i+1)/8)) ms, so
 * the geometric middle of a bucket is within 2^(1/16) − 1 ≈ 4.4% of every latency in it. Stored
 * as a dense BLOB of little-endian uint32 counts, which merges with a plain loop (a year of
 * per-day, per-model histograms merges in milliseconds; JSON took tens of ms).
 */

const BUCKETS_PER_DOUBLING = 8;
/** Up to 2^23 ms (≈ 2.3 hours); longer latencies count in the last bucket. */
export const HISTOGRAM_BUCKETS = 184;

export function latencyBucket(ms: number): number {
  return ms <= 1 ? 0 : Math.min(HISTOGRAM_BUCKETS - 1, Math.floor(BUCKETS_PER_DOUBLING * Math.log2(ms)));
}

/** latencyBucket over `latency_ms` in SQL (the cast truncates, which is floor for values > 1). */
export const LATENCY_BUCKET_SQL = `CASE WHEN latency_ms <= 1 THEN 0 ELSE min(${HISTOGRAM_BUCKETS - 1}, CAST(${BUCKETS_PER_DOUBLING} * log2(latency_ms) AS INTEGER)) END`;

export function bucketValue(bucket: number): number {
  return 2 ** ((bucket + 0.5) / BUCKETS_PER_DOUBLING);
}

export function emptyHistogram(): Uint32Array {
  return new Uint32Array(HISTOGRAM_BUCKETS);
}

/** A stored histogram as counts (a copy; a missing or short blob reads as zeros). */
export function decodeHistogram(blob: Uint8Array | null | undefined): Uint32Array {
  const out = emptyHistogram();
  if (blob) addHistogramBlob(out, blob);
  return out;
}

export function encodeHistogram(counts: Uint32Array): Uint8Array {
  return new Uint8Array(counts.buffer, counts.byteOffset, counts.byteLength);
}

/** Adds a stored histogram into `target` (counts are little-endian, as on every platform Node runs on). */
export function addHistogramBlob(target: Uint32Array | Float64Array, blob: Uint8Array): void {
  const n = Math.min(target.length, blob.byteLength >> 2);
  const aligned = blob.byteOffset % 4 === 0 ? blob : blob.slice();
  const counts = new Uint32Array(aligned.buffer, aligned.byteOffset, n);
  for (let i = 0; i < n; i++) target[i] += counts[i];
}
