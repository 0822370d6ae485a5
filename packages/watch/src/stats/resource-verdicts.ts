// The resource criteria of one challenger over one window, read from resource_samples: the CPU
// ratio over live and over the secondary (when there is one), and the memory growth of each of its
// processes and of live's. What the report and the gate will show side by side (phase 2).
import type { ResourceReader } from '../store/clickhouse-samples.js';
import { memoryGrowth, type MemoryGrowthOptions, type MemoryGrowthResult } from './memory-growth.js';
import { resourceRatio, type RatioOptions, type RatioResult } from './resource-ratio.js';

export interface ResourceVerdictQuery {
  service: string;
  challengerId: string;
  /** The secondary's challenger id, when there is one. */
  secondaryId?: string | undefined;
  window: { fromMs: number; toMs: number };
  /** Ratio options (bucketMs, confidence, minBuckets, maxRatio); baseline and criterion are set here. */
  cpu?: Omit<RatioOptions, 'baseline' | 'criterion'> | undefined;
  memory: MemoryGrowthOptions;
}

export interface ResourceVerdicts {
  readonly cpuRatio: { readonly overLive: RatioResult; readonly overSecondary: RatioResult | null };
  /** Per target (process) of each side. */
  readonly memoryGrowth: {
    readonly challenger: readonly (MemoryGrowthResult & { target: string })[];
    readonly live: readonly (MemoryGrowthResult & { target: string })[];
  };
}

export async function resourceVerdicts(reader: ResourceReader, q: ResourceVerdictQuery): Promise<ResourceVerdicts> {
  const read = (side: 'live' | 'challenger', challengerId: string, metric: string, kind: 'rate' | 'value') =>
    reader.series({ service: q.service, side, challengerId, metric, kind, window: q.window });
  const cpuOf = (side: 'live' | 'challenger', id: string) => read(side, id, 'process_cpu_seconds_total', 'rate');
  const rssOf = (side: 'live' | 'challenger', id: string) => read(side, id, 'process_resident_memory_bytes', 'value');
  const challengerCpu = await cpuOf('challenger', q.challengerId);
  const liveCpu = await cpuOf('live', '');
  const secondaryCpu = q.secondaryId === undefined ? null : await cpuOf('challenger', q.secondaryId);
  const growth = async (side: 'live' | 'challenger', id: string) =>
    (await rssOf(side, id)).map((s) => ({ ...memoryGrowth(s.points, q.memory), target: s.target }));
  return {
    cpuRatio: {
      overLive: resourceRatio(challengerCpu, liveCpu, { ...q.cpu, baseline: 'live', criterion: 'cpuRatio' }),
      overSecondary: secondaryCpu === null ? null : resourceRatio(challengerCpu, secondaryCpu, { ...q.cpu, baseline: 'secondary', criterion: 'cpuRatio' }),
    },
    memoryGrowth: { challenger: await growth('challenger', q.challengerId), live: await growth('live', '') },
  };
}
