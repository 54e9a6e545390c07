/**
 * Latency statistics: mean and standard deviation from running sums (exact), percentiles from
 * the sorted values when a range holds few enough of them, otherwise from the merged log-bucket
 * histograms of the rollups (within ±4.5% of the true value, see rollups.latencyBucket).
 */
import { addHistogramBlob, bucketValue, HISTOGRAM_BUCKETS, latencyBucket } from './histogram';

/** Up to this many latencies in a range, percentiles are computed from the raw values. */
export const EXACT_PERCENTILE_LIMIT = 5_000;

export interface LatencyStats {
  count: number;
  mean: number;
  /** Sample standard deviation; 0 for a single value. */
  stdev: number;
  median: number;
  p50: number;
  p95: number;
  p99: number;
  /** `exact`: from the values; `histogram`: estimated from 2^(1/8)-wide buckets. */
  method: 'exact' | 'histogram';
}

/** Accumulates one model's latencies from rollup sums, histograms and raw values. */
export class LatencyAccumulator {
  n = 0;
  sum = 0;
  sumSq = 0;
  readonly hist = new Float64Array(HISTOGRAM_BUCKETS);

  addSums(n: number, sum: number, sumSq: number): void {
    this.n += n;
    this.sum += sum;
    this.sumSq += sumSq;
  }

  addHistogram(blob: Uint8Array): void {
    addHistogramBlob(this.hist, blob);
  }

  addBucket(bucket: number, count: number): void {
    this.hist[bucket] += count;
  }

  /** A raw value outside the rollups: counted in sums and histogram. */
  addValue(ms: number): void {
    this.addSums(1, ms, ms * ms);
    this.hist[latencyBucket(ms)] += 1;
  }

  stats(exactValues?: number[]): LatencyStats | null {
    if (this.n <= 0) return null;
    const mean = this.sum / this.n;
    const variance = this.n > 1 ? Math.max(0, (this.sumSq - (this.sum * this.sum) / this.n) / (this.n - 1)) : 0;
    const pick = exactValues && exactValues.length === this.n
      ? exactPercentile(exactValues.sort((a, b) => a - b))
      : histogramPercentile(this.hist, this.n);
    const p50 = pick(0.5);
    return {
      count: this.n, mean, stdev: Math.sqrt(variance), median: p50, p50, p95: pick(0.95), p99: pick(0.99),
      method: exactValues && exactValues.length === this.n ? 'exact' : 'histogram',
    };
  }
}

/** Linear interpolation between closest ranks (the common "type 7" definition). */
function exactPercentile(sorted: number[]): (p: number) => number {
  return (p) => {
    const pos = (sorted.length - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  };
}

function histogramPercentile(hist: Float64Array, n: number): (p: number) => number {
  return (p) => {
    const rank = Math.floor((n - 1) * p);
    let seen = 0;
    let last = 0;
    for (let b = 0; b < hist.length; b++) {
      if (!hist[b]) continue;
      last = b;
      seen += hist[b];
      if (seen > rank) return bucketValue(b);
    }
    return bucketValue(last);
  };
}
