// The dashboard's Prometheus metrics, on its own registry (served at /metrics by the shared admin server).
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export interface DashboardMetrics {
  registry: Registry;
  /** Requests by route (API path, admin path, asset, other) and status. */
  requests: Counter<'route' | 'status'>;
  /** Time to answer an API request, ClickHouse queries included. */
  apiSeconds: Histogram<'route'>;
}

export function createDashboardMetrics(): DashboardMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shadow_dashboard_' });
  return {
    registry,
    requests: new Counter({
      name: 'shadow_dashboard_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    apiSeconds: new Histogram({
      name: 'shadow_dashboard_api_seconds',
      help: 'Time to answer an API request (ClickHouse queries included)',
      labelNames: ['route'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
