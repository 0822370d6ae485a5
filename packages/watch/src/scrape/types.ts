/** Which side of the comparison a scraped process serves. */
export const SIDES = ['live', 'challenger'] as const;
export type Side = (typeof SIDES)[number];

/**
 * How a sample's value was derived from the exposition: `value` a gauge's (or untyped) value,
 * `rate` a counter's increase per second since the previous scrape, `quantile` a histogram's
 * quantile over the observations since the previous scrape (level in labels.quantile), `up` 1 when
 * the scrape worked and 0 when it did not (as Prometheus' own `up`).
 */
export const SAMPLE_KINDS = ['value', 'rate', 'quantile', 'up'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

/** One scraped value: what lands in `resource_samples`. */
export interface ResourceSample {
  /** When the scrape started, epoch ms (the same for every sample of one scrape of one target). */
  readonly timeMs: number;
  readonly service: string;
  readonly side: Side;
  /** '' for live. */
  readonly challengerId: string;
  /** host:port/path of the endpoint (never credentials or query): tells replicas apart. */
  readonly target: string;
  /** The exposition's metric (family) name, or `up`. */
  readonly metric: string;
  readonly kind: SampleKind;
  /** The series' labels (le dropped for quantiles, quantile set to the level). */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Where scraped samples go (ClickHouse in production: createClickHouseSampleSink). */
export interface SampleSink {
  /** Stores one batch; a rejection makes the scraper keep the batch and try again with the next. */
  write(samples: readonly ResourceSample[]): Promise<void>;
}

/** What one scrape of one target gave, for hooks and logs. */
export interface ScrapeResult {
  readonly target: string;
  readonly side: Side;
  readonly challengerId: string;
  readonly service: string;
  readonly ok: boolean;
  readonly durationMs: number;
  /** Samples derived (the `up` sample included). */
  readonly samples: number;
  /** Why it failed (HTTP status, timeout, parse error), when it did. */
  readonly error?: string | undefined;
}
