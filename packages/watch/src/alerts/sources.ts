// The evaluator's and the ramp's reads over one ClickHouse: pairs through the analysis layer's
// PairStore (the same SQL the report and the gate run), resources through the resource reader.
import { createClickHousePairStore, type ClickHousePairStoreOptions } from '@shadow/analysis';
import type { ClickHouse } from '@shadow/clickhouse';
import { createClickHouseResourceReader, type ClickHouseSampleStoreOptions } from '../store/clickhouse-samples.js';
import type { WatchSources } from './evaluator.js';

export interface ClickHouseWatchSources extends WatchSources {
  /** Distinct pairs of these challengers captured in [fromMs, toMs) (the ramp's sample). */
  pairCount(challengerIds: readonly string[], window: { fromMs: number; toMs: number }): Promise<number>;
}

export function clickHouseWatchSources(
  ch: ClickHouse,
  options: { pairs?: ClickHousePairStoreOptions; resources?: ClickHouseSampleStoreOptions } = {},
): ClickHouseWatchSources {
  const store = createClickHousePairStore(ch, options.pairs);
  const reader = createClickHouseResourceReader(ch, options.resources);
  return {
    measurements: (query) => store.measurements(query),
    series: (query) => reader.series(query),
    async pairCount(challengerIds, window) {
      const wanted = new Set(challengerIds);
      return (await store.challengers(window)).filter((c) => wanted.has(c.challengerId)).reduce((n, c) => n + c.pairs, 0);
    },
  };
}
