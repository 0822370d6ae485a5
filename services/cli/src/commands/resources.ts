// Both sides' resources for `shadow report` and `shadow gate`: @shadow/watch's statistics
// (resourceVerdicts: Theil-Sen memory growth, paired-bucket CPU ratio) over resource_samples,
// handed to @shadow/analysis as Measurements.resources. Here because analysis may not import watch
// (watch imports analysis, docs/architecture.md); the judging stays analysis' (evaluateGate).
import type { CpuRatioMeasurement, Measurements, MemoryGrowthMeasurement, ResourceMeasurements } from '@shadow/analysis';
import { resourceServices } from '@shadow/analysis';
import type { ClickHouse } from '@shadow/clickhouse';
import { toClickHouseError } from '@shadow/clickhouse';
import { createClickHouseResourceReader, resourceVerdicts, type RatioResult } from '@shadow/watch';

export interface ResourceSettings {
  /** The scraped service; default: the one the challenger's processes were scraped for. */
  service?: string | undefined;
  bucketMs: number;
  minBuckets: number;
  minPoints: number;
  minDurationMs: number;
  confidence: number;
}

export const REPORT_RESOURCE_DEFAULTS = { bucketMs: 60_000, minBuckets: 5, minPoints: 10, minDurationMs: 600_000, confidence: 0.95 } as const;

/** A database without migration 70 has no resources to read: not measured, not an error. */
function missingTable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    if (toClickHouseError(e).code === 'CH_UNKNOWN_TABLE') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const ratio = (r: RatioResult): CpuRatioMeasurement => ({
  baseline: r.baseline,
  ratio: r.ratio,
  interval: r.interval,
  n: r.n,
  means: r.means,
  reason: r.reason,
  warnings: r.warnings,
});

/**
 * The challenger's and live's resources over the measured window (the window asked for, else the
 * span of the counted pairs); undefined when there is none or nothing was scraped for the challenger.
 * Throws when the service is ambiguous (several scraped for this challenger) or a read fails.
 */
export async function readResources(ch: ClickHouse, m: Measurements, settings: ResourceSettings): Promise<ResourceMeasurements | undefined> {
  const window = m.window ?? (m.observed === null ? null : { fromMs: m.observed.firstMs, toMs: m.observed.lastMs + 1 });
  if (window === null) return undefined;
  let service = settings.service;
  try {
    if (service === undefined) {
      const found = await resourceServices(ch, { challengerId: m.challengerId, window });
      if (found.length === 0) return undefined;
      if (found.length > 1)
        throw new Error(
          `challenger ${m.challengerId} was scraped for several services (${found.join(', ')}): name one (criteria resources.service, or --resource-service)`,
        );
      service = found[0] as string;
    }
    const v = await resourceVerdicts(createClickHouseResourceReader(ch), {
      service,
      challengerId: m.challengerId,
      ...(m.secondary?.challengerId === undefined ? {} : { secondaryId: m.secondary.challengerId }),
      window,
      cpu: { bucketMs: settings.bucketMs, minBuckets: settings.minBuckets, confidence: settings.confidence },
      // The bound is judged by analysis; watch needs one to compute, and its verdict is not used.
      memory: { maxBytesPerHour: 0, confidence: settings.confidence, minPoints: settings.minPoints, minDurationMs: settings.minDurationMs },
    });
    const growth = (g: (typeof v.memoryGrowth.live)[number]): MemoryGrowthMeasurement => ({
      target: g.target,
      slopeBytesPerHour: g.slopeBytesPerHour,
      interval: g.interval,
      n: g.n,
      durationMs: g.durationMs,
      reason: g.reason,
    });
    return {
      service,
      window,
      settings: {
        bucketMs: settings.bucketMs,
        minBuckets: settings.minBuckets,
        minPoints: settings.minPoints,
        minDurationMs: settings.minDurationMs,
        confidence: settings.confidence,
      },
      cpuRatio: { overLive: ratio(v.cpuRatio.overLive), overSecondary: v.cpuRatio.overSecondary === null ? null : ratio(v.cpuRatio.overSecondary) },
      memoryGrowth: { challenger: v.memoryGrowth.challenger.map(growth), live: v.memoryGrowth.live.map(growth) },
    };
  } catch (error) {
    if (missingTable(error)) return undefined;
    throw error;
  }
}
