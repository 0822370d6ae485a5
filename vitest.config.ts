// Two projects: `unit` (logic only, no infrastructure, mocks allowed) and `integration` (real Kafka,
// real schema registry, real ClickHouse, real HTTP). The integration project's global setup resolves
// a stack once (env vars -> Docker via testcontainers -> infra/local) and hands endpoints to workers.
// SHADOW_TEST_MODE narrows a run; an unknown value fails fast instead of silently running nothing.
import { defineConfig } from 'vitest/config';

const modes = ['all', 'unit', 'integration'] as const;
const mode = process.env.SHADOW_TEST_MODE ?? 'all';
if (!(modes as readonly string[]).includes(mode)) {
  throw new Error(`SHADOW_TEST_MODE must be one of ${modes.join(', ')}; got "${mode}"`);
}

const conditions = ['@shadow/source'];
const resolve = { conditions: [...conditions, 'node', 'import', 'default'] };

export default defineConfig({
  resolve,
  ssr: { resolve: { conditions: resolve.conditions, externalConditions: conditions } },
  test: {
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'reports/vitest.json' },
    projects: [
      ...(mode === 'all' || mode === 'unit'
        ? [{
            extends: true as const,
            test: {
              name: 'unit',
              include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts'],
              environment: 'node',
            },
          }]
        : []),
      ...(mode === 'all' || mode === 'integration'
        ? [{
            extends: true as const,
            test: {
              name: 'integration',
              include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
              environment: 'node',
              globalSetup: ['./test/setup/global-setup.ts'],
              pool: 'forks' as const,
              testTimeout: 120_000,
              hookTimeout: 180_000,
              fileParallelism: true,
              maxWorkers: 2,
            },
          }]
        : []),
    ],
  },
});
