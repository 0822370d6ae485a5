// The rule of what may import what (docs/architecture.md), checked on the code as it is: every
// package's and service's runtime dependencies (package.json) and every import of its non-test
// source. A forbidden edge fails naming the file (or package.json), the import and the rule, so the
// layout by stage stays the one the doc draws: capture -> replay -> join -> decide/watch, over a
// foundation that knows none of them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The @shadow packages each package may depend on (docs/architecture.md, "What may import what").
 * A package missing here fails the test: a new package is placed in the layout when it is added.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  // foundation: how components take options and report errors, limits, what flows through Kafka
  options: [],
  limits: [],
  contracts: ['options'],
  // capture
  tap: ['contracts', 'options'],
  // replay
  replay: ['contracts', 'limits', 'options'],
  sandbox: ['contracts', 'options'],
  // join
  compare: ['options'],
  judge: ['compare', 'contracts', 'limits', 'options'],
  clickhouse: ['options'],
  join: ['clickhouse', 'compare', 'contracts', 'options'],
  // decide / watch
  analysis: ['clickhouse', 'options'],
  watch: ['analysis', 'clickhouse', 'contracts', 'options'],
  // service shell and test tooling
  'local-stack': [],
  'service-admin': ['contracts', 'local-stack', 'options'],
  'stack-harness': ['local-stack'],
};

/** Services that run other services: the CLI mounts them, the demo runs the pipeline. */
const MAY_IMPORT_SERVICES: ReadonlySet<string> = new Set(['cli', 'demo']);

/**
 * Services that still have test tooling at run time, each with the step that removes it. An entry
 * that no longer applies fails too, so the list only shrinks.
 */
const TEST_TOOLING_AT_RUNTIME: Readonly<Record<string, string>> = {
  demo: 'the demo starts the local stack it runs on (not shipped)',
};

/** Modules that talk to Kafka, ClickHouse or HTTP: never in pure logic. */
const IO_MODULES = [
  'kafkajs',
  '@kafkajs/confluent-schema-registry',
  '@clickhouse/client',
  'chdb',
  'undici',
  'node:http',
  'node:https',
  'node:http2',
  'node:net',
  'node:tls',
  'node:dgram',
  '@shadow/contracts',
  '@shadow/clickhouse',
  'http',
  'https',
  'net',
  'tls',
];

/** Pure logic (CONVENTIONS.md): comparison, statistics, criteria, gate, report, measurements, options, limits. */
const PURE_FOLDERS = [
  'packages/compare/src',
  'packages/options/src',
  'packages/limits/src',
  'packages/analysis/src/stats',
  'packages/analysis/src/criteria',
  'packages/analysis/src/gate',
  'packages/analysis/src/report',
  'packages/analysis/src/measurements',
];

const TEST_TOOLING = ['@shadow/stack-harness', 'testcontainers', '@testcontainers/kafka', '@testcontainers/clickhouse', 'vitest'];

interface Manifest {
  name: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Unit {
  kind: 'packages' | 'services';
  dir: string;
  manifest: Manifest;
}

function units(): Unit[] {
  const out: Unit[] = [];
  for (const kind of ['packages', 'services'] as const) {
    for (const dir of readdirSync(join(ROOT, kind))) {
      const file = join(ROOT, kind, dir, 'package.json');
      if (existsSync(file)) out.push({ kind, dir, manifest: JSON.parse(readFileSync(file, 'utf8')) as Manifest });
    }
  }
  return out;
}

const ALL = units();
const SERVICE_NAMES = new Map(ALL.filter((u) => u.kind === 'services').map((u) => [u.manifest.name, u.dir]));
const PACKAGE_NAMES = new Map(ALL.filter((u) => u.kind === 'packages').map((u) => [u.manifest.name, u.dir]));

function isTestSource(path: string): boolean {
  return /\.test\.m?[jt]s$|\.test-data\.ts$|\.bench\.ts$/.test(path) || /(^|\/)(test|bench|fixtures?)\//.test(path);
}

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(?:m?ts|m?js)$/.test(entry.name) || entry.name.endsWith('.d.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    if (!isTestSource(relative(ROOT, path))) out.push(path);
  }
  return out;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(=])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s+['"]([^'"]+)['"]/gm;

/** Every module a source file imports, statically or with import('literal'), with its line. */
function importsOf(file: string): { module: string; line: number }[] {
  const text = readFileSync(file, 'utf8');
  const out: { module: string; line: number }[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const module = m[1] ?? m[2] ?? m[3];
    if (module === undefined || module.startsWith('.')) continue;
    out.push({ module, line: text.slice(0, m.index).split('\n').length });
  }
  return out;
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`, `node:x` as is. */
function packageOf(module: string): string {
  if (module.startsWith('node:')) return module;
  const parts = module.split('/');
  return module.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** What a unit's runtime uses: package.json dependencies and peers, and its non-test source's imports. */
function edgesOf(unit: Unit): Edge[] {
  const manifest = `${unit.kind}/${unit.dir}/package.json`;
  const edges = [...Object.keys(unit.manifest.dependencies ?? {}), ...Object.keys(unit.manifest.peerDependencies ?? {})].map((target) => ({
    target,
    where: manifest,
  }));
  for (const folder of ['src', 'bin', 'web']) {
    for (const file of sources(join(ROOT, unit.kind, unit.dir, folder))) {
      for (const { module, line } of importsOf(file)) edges.push({ target: packageOf(module), where: `${relative(ROOT, file)}:${line}` });
    }
  }
  return edges;
}

const PUBLISHED = new Set(ALL.filter((u) => u.kind === 'packages' && u.manifest.private !== true).map((u) => u.dir));

type Edge = { target: string; where: string };

function violations(all: readonly Unit[] = ALL, edgesFor: (unit: Unit) => Edge[] = edgesOf): string[] {
  const out: string[] = [];
  for (const unit of all) {
    const own = unit.manifest.name;
    const allowed = unit.kind === 'packages' ? MAY_IMPORT[unit.dir] : undefined;
    if (unit.kind === 'packages' && allowed === undefined) {
      out.push(`packages/${unit.dir}: not in the layout (add it to docs/architecture.md and MAY_IMPORT in ${relative(ROOT, import.meta.filename)})`);
      continue;
    }
    for (const { target, where } of edgesFor(unit)) {
      if (target === own) continue;
      const service = SERVICE_NAMES.get(target);
      if (service !== undefined && !(unit.kind === 'services' && MAY_IMPORT_SERVICES.has(unit.dir))) {
        out.push(`${where}: ${own} imports the service ${target} (no package imports a service; only ${[...MAY_IMPORT_SERVICES].join(', ')} run services)`);
      }
      const pkg = PACKAGE_NAMES.get(target);
      if (allowed !== undefined && pkg !== undefined && !allowed.includes(pkg)) {
        out.push(`${where}: ${own} imports ${target} (${unit.dir} may import ${allowed.length === 0 ? 'no @shadow package' : allowed.join(', ')})`);
      }
      if (TEST_TOOLING.includes(target) && unit.dir !== 'stack-harness' && !(unit.kind === 'services' && TEST_TOOLING_AT_RUNTIME[unit.dir] !== undefined)) {
        out.push(`${where}: ${own} has test tooling (${target}) at run time`);
      }
      if (unit.manifest.private !== true && pkg !== undefined && PUBLISHED.has(pkg) === false) {
        out.push(`${where}: the published ${own} depends on ${target}, which is not published`);
      }
      if (IO_MODULES.includes(target) && PURE_FOLDERS.some((f) => where.startsWith(`${f}/`))) {
        out.push(`${where}: pure logic imports ${target} (no Kafka, ClickHouse or HTTP in ${PURE_FOLDERS.find((f) => where.startsWith(`${f}/`))})`);
      }
    }
  }
  return out;
}

describe('what may import what (docs/architecture.md)', () => {
  it('no forbidden edge: stages, pure logic, services, test tooling, published packages', () => {
    expect(violations()).toEqual([]);
  });

  it('every service allowed test tooling at run time still has it (the list only shrinks)', () => {
    for (const [service, why] of Object.entries(TEST_TOOLING_AT_RUNTIME)) {
      const unit = ALL.find((u) => u.kind === 'services' && u.dir === service);
      const deps = Object.keys(unit?.manifest.dependencies ?? {});
      expect(
        deps.some((d) => TEST_TOOLING.includes(d)),
        `${service}: ${why}; drop it from TEST_TOOLING_AT_RUNTIME`,
      ).toBe(true);
    }
  });

  it('the doc lists every package the rule knows, with what it may import', () => {
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    for (const [pkg, allowed] of Object.entries(MAY_IMPORT)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${pkg}\` `));
      expect(row, `docs/architecture.md has no row for ${pkg}`).toBeDefined();
      const cell = (row as string).split('|').at(-2) ?? '';
      const listed = [...cell.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]).sort();
      expect(listed, `docs/architecture.md's row for ${pkg}`).toEqual([...allowed].sort());
    }
  });

  // The check must be able to fail: each class of forbidden edge, planted in a copy of the layout.
  it('catches a planted edge of each class', () => {
    const planted: Unit[] = [
      { kind: 'packages', dir: 'compare', manifest: { name: '@shadow/compare', private: true, dependencies: { '@shadow/join': 'workspace:*' } } },
      {
        kind: 'packages',
        dir: 'tap',
        manifest: { name: '@shadow/tap', dependencies: { '@shadow/replay': 'workspace:*', '@shadow/stack-harness': 'workspace:*' } },
      },
      { kind: 'packages', dir: 'join', manifest: { name: '@shadow/join', private: true, dependencies: { '@shadow/joiner': 'workspace:*' } } },
    ];
    const found = violations(planted, (u) => [
      ...edgesOf(u),
      ...(u.dir === 'compare' ? [{ target: 'kafkajs', where: 'packages/compare/src/json/json-diff.ts:1' }] : []),
    ]).join('\n');
    expect(found).toMatch(/@shadow\/compare imports @shadow\/join/);
    expect(found).toMatch(/@shadow\/tap imports @shadow\/replay/);
    expect(found).toMatch(/test tooling \(@shadow\/stack-harness\)/);
    expect(found).toMatch(/published @shadow\/tap depends on @shadow\/replay, which is not published/);
    expect(found).toMatch(/imports the service @shadow\/joiner/);
    expect(found).toMatch(/pure logic imports kafkajs/);
    const io = importsOf(join(ROOT, 'packages/join/src/joiner/joiner.ts')).map((i) => i.module);
    expect(io).toContain('kafkajs');
  });
});
