// Two projects: `unit` (logic only, no infrastructure, mocks allowed) and `integration` (real Kafka,
// real schema registry, real ClickHouse, real HTTP). The integration project's global setup resolves
// a stack once (env vars -> Docker via testcontainers -> infra/local) and hands endpoints to workers.
// SHADOW_TEST_MODE narrows a run; an unknown value fails fast instead of silently running nothing.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { defineConfig } from 'vitest/config';

const modes = ['all', 'unit', 'integration'] as const;
const mode = process.env.SHADOW_TEST_MODE ?? 'all';
if (!(modes as readonly string[]).includes(mode)) {
  throw new Error(`SHADOW_TEST_MODE must be one of ${modes.join(', ')}; got "${mode}"`);
}

// Tests run workspace packages from source: every `exports` entry's `@shadow/source` target becomes
// an alias, so no build is needed before `vitest` and stack traces point at .ts files.
function sourceAliases(): { find: string; replacement: string }[] {
  const aliases: { find: string; replacement: string }[] = [];
  for (const group of ['packages', 'services']) {
    const root = resolvePath(import.meta.dirname, group);
    if (!existsSync(root)) continue;
    for (const dir of readdirSync(root)) {
      const manifest = join(root, dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; exports?: Record<string, Record<string, string>> };
      for (const [sub, targets] of Object.entries(pkg.exports ?? {})) {
        const source = targets['@shadow/source'];
        if (source === undefined) continue;
        aliases.push({ find: sub === '.' ? pkg.name : `${pkg.name}${sub.slice(1)}`, replacement: join(root, dir, source) });
      }
    }
  }
  // Longest first so `@shadow/tap/express` wins over `@shadow/tap`.
  return aliases.sort((a, b) => b.find.length - a.find.length).map((a) => ({ find: a.find, replacement: a.replacement }));
}

const aliasEntries = sourceAliases().map((a) => ({ find: new RegExp(`^${a.find.replaceAll('/', '\\/')}$`), replacement: a.replacement }));
const resolve = { alias: aliasEntries };

export default defineConfig({
  resolve,
  test: {
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'reports/vitest.json' },
    projects: [
      ...(mode === 'all' || mode === 'unit'
        ? [
            {
              extends: true as const,
              test: {
                name: 'unit',
                // Units run first (fast feedback), then integration with its own worker bound.
                sequence: { groupOrder: 0 },
                include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts'],
                environment: 'node',
                // Logic only, no process state worth isolating: one module graph per worker instead of
                // one per file (each file re-importing its package's modules cost ~100 s of CI).
                pool: 'threads' as const,
                isolate: false,
              },
            },
          ]
        : []),
      ...(mode === 'all' || mode === 'integration'
        ? [
            {
              extends: true as const,
              test: {
                name: 'integration',
                sequence: { groupOrder: 1 },
                include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
                environment: 'node',
                globalSetup: ['./test/setup/global-setup.ts'],
                pool: 'forks' as const,
                testTimeout: 120_000,
                hookTimeout: 180_000,
                fileParallelism: true,
                maxWorkers: 3,
              },
            },
          ]
        : []),
    ],
  },
});
