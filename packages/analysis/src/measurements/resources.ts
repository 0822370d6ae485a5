// Both sides' resources over the measured window, as the gate and the report consume them: the CPU
// ratio of the challenger over the secondary and over live, and the memory growth of each process.
// Plain data: @shadow/watch computes it from resource_samples (resourceVerdicts: Theil-Sen slope
// with Sen's interval, ratio of means over paired buckets with a delta-method interval) and the
// caller (the CLI) attaches it to Measurements; analysis does not import watch (watch imports
// analysis), so these types are the structural subset of watch's results the gate and report read.

export interface ResourceInterval {
  lower: number;
  upper: number;
  confidence: number;
  method: string;
}

/** mean(challenger CPU) / mean(baseline CPU) over paired time buckets. */
export interface CpuRatioMeasurement {
  baseline: 'secondary' | 'live';
  /** null: not measured (too few paired buckets, an idle baseline); `reason` says why. */
  ratio: number | null;
  interval: ResourceInterval | null;
  /** Paired buckets. */
  n: number;
  /** Mean CPU (seconds per second) of each side over the paired buckets. */
  means: { challenger: number; baseline: number } | null;
  reason: string;
  warnings: readonly string[];
}

/** The RSS slope of one process (target) of one side. */
export interface MemoryGrowthMeasurement {
  /** host:port/path of the scraped endpoint: replicas are apart. */
  target: string;
  /** Theil-Sen slope, bytes per hour; null without enough points. */
  slopeBytesPerHour: number | null;
  interval: ResourceInterval | null;
  /** Points (after reduction to time-bucket medians) and the time they span. */
  n: number;
  durationMs: number;
  reason: string;
}

export interface ResourceMeasurements {
  service: string;
  window: { fromMs: number; toMs: number };
  /** Width of the CPU ratio's paired buckets, and the minimums the memory growth needed. */
  settings: { bucketMs: number; minBuckets: number; minPoints: number; minDurationMs: number; confidence: number };
  cpuRatio: { overLive: CpuRatioMeasurement; overSecondary: CpuRatioMeasurement | null };
  memoryGrowth: { challenger: readonly MemoryGrowthMeasurement[]; live: readonly MemoryGrowthMeasurement[] };
}
