// The dashboard's JSON API, typed with @shadow/analysis' own types (types only: nothing of the
// package is bundled), so the page reads exactly what the server computed.
import type { ChallengerOverview, ChallengerSummary, PairDetail, PairFilter, PairList, ResourcePanel } from '@shadow/analysis';

export type { PairDetail, PairFilter, PairList, ResourcePanel };
export type { GateVerdict, Report, ReportScope, TimeSeries } from '@shadow/analysis';

export type CriteriaInfo = { source: string; name: string | null; sha256: string } | { source: string; error: string };

export type ChallengerView = ChallengerSummary & ChallengerOverview;

export interface OverviewResponse {
  generatedAtMs: number;
  window: { fromMs: number; toMs: number };
  runId: string | null;
  refreshMs: number;
  criteria: CriteriaInfo | null;
  clickhouse: string;
  challengers: ChallengerView[];
  /** Both sides' scraped CPU and RSS per service (resource_samples); [] when nothing was scraped. */
  resources: ResourcePanel[];
  /** Alert states and the ramp step of the joiner's watch; null: none served. */
  watch: null;
}

export interface ConfigResponse {
  windowMs: number;
  refreshMs: number;
  criteria: CriteriaInfo | null;
  clickhouse: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function get<T>(path: string, params: Record<string, string | number | undefined>): Promise<T> {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const query = search.toString();
  const res = await fetch(query === '' ? path : `${path}?${query}`, { headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }))) as { error?: string };
  if (!res.ok) throw new ApiError(body.error ?? `${res.status} ${res.statusText}`, res.status);
  return body as T;
}

export interface WindowParams {
  since?: string | undefined;
  until?: string | undefined;
  run?: string | undefined;
}

export const fetchConfig = (): Promise<ConfigResponse> => get('/api/config', {});
export const fetchOverview = (w: WindowParams): Promise<OverviewResponse> => get('/api/overview', { ...w });
export const fetchPairs = (
  w: WindowParams,
  q: {
    challenger: string;
    method?: string | undefined;
    route?: string | undefined;
    path?: string | undefined;
    filter?: PairFilter | undefined;
    page?: number | undefined;
  },
): Promise<PairList> => get('/api/pairs', { ...w, ...q });
export const fetchPair = (id: string): Promise<PairDetail> => get('/api/pair', { id });
