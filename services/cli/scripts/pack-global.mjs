// Packs `shadow` for `npm install -g <tarball>` outside the repository. The CLI's workspace
// dependencies (@shadow/*) are not published, so a plain `pnpm pack` makes a tarball npm cannot
// install. Instead esbuild bundles the CLI with every @shadow/* package from source into
// dist/global/dist (ES modules, split so the commands' lazy imports stay lazy), and every other
// package (kafkajs, pino, commander, zod, the ClickHouse client, chdb's native engine, ...) stays an
// ordinary dependency of the tarball's package.json, at the version the workspace uses, installed by
// npm as usual. `node scripts/pack-global.mjs` prints the tarball's path on its last line.
//
// Code that finds files next to itself (import.meta.url) cannot move into a bundle unnoticed: every
// workspace file that uses it must be handled below, or the build fails naming it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(cli, '../..');
const out = join(cli, 'dist', 'global');
const manifest = JSON.parse(readFileSync(join(cli, 'package.json'), 'utf8'));

/** Packages only reached through imports the CLI never runs (the test harness's Docker path). */
const NEVER_RUN = new Set(['testcontainers', '@testcontainers/kafka', '@testcontainers/clickhouse']);

function packageRoot(file) {
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${file}`);
    dir = up;
  }
  return dir;
}

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** The version the workspace installed for `name`, as seen from the package that imports it. */
function installedVersion(name, importer) {
  const root = packageRoot(importer);
  const declared = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const spec = declared.dependencies?.[name] ?? declared.peerDependencies?.[name] ?? declared.optionalDependencies?.[name];
  let dir = join(root, 'node_modules', name);
  if (!existsSync(join(dir, 'package.json'))) {
    try {
      dir = packageRoot(createRequire(join(root, 'package.json')).resolve(name));
    } catch {
      dir = undefined;
    }
  }
  const installed = dir === undefined ? undefined : JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  if (installed === undefined && spec === undefined)
    throw new Error(`${relative(repo, importer)} imports ${name}, which its package neither declares nor has installed`);
  return installed ?? spec;
}

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
})();

const external = new Map();
const metaUrlHandled = new Map([
  // Reads the .avsc files next to the package at import: inlined below.
  ['packages/contracts/src/schema/schemas.ts', 'inlined'],
  // Its own package.json for TAP_VERSION: inlined below.
  ['packages/tap/src/tap.ts', 'inlined'],
  // The tap transport's worker file and its kafkajs-patch check: only when a transport starts,
  // which no command does.
  ['packages/tap/src/transport/worker-sink.ts', 'unused'],
  ['packages/tap/src/transport/kafka-transport.ts', 'unused'],
  // The page: bundled into dist/public next to the chunks, where new URL('./public/') points.
  ['services/dashboard/src/dashboard.ts', 'copied'],
  // Reads ../package.json only without __SHADOW_BUILD__, which this build defines.
  ['services/cli/src/version.ts', 'defined'],
]);

const workspacePlugin = {
  name: 'shadow-workspace',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || builtinModules.includes(args.path)) return { path: args.path, external: true };
      if (args.path.startsWith('@shadow/')) return undefined; // bundled, from source (@shadow/source condition)
      const name = packageName(args.path);
      if (!NEVER_RUN.has(name)) external.set(name, installedVersion(name, args.importer));
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, (args) => {
      const file = relative(repo, args.path);
      if (file.includes('node_modules')) return undefined;
      let text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const how = metaUrlHandled.get(file);
      if (how === undefined)
        throw new Error(`${file} uses import.meta.url: handle it in services/cli/scripts/pack-global.mjs (inline what it reads, or ship it)`);
      if (file === 'packages/contracts/src/schema/schemas.ts') {
        const dir = join(repo, 'packages/contracts/schemas');
        const files = Object.fromEntries(
          readdirSync(dir)
            .filter((f) => f.endsWith('.avsc'))
            .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
        );
        const read = "readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8')";
        if (!text.includes(read)) throw new Error(`${file}: the schema read changed; update pack-global.mjs`);
        text = text.replace(read, `(${JSON.stringify(files)})[file]`);
      }
      if (file === 'packages/tap/src/tap.ts') {
        const read = "createRequire(import.meta.url)('../package.json') as { version: string }";
        if (!text.includes(read)) throw new Error(`${file}: the version read changed; update pack-global.mjs`);
        const { version } = JSON.parse(readFileSync(join(repo, 'packages/tap/package.json'), 'utf8'));
        text = text.replace(read, JSON.stringify({ version }));
      }
      return { contents: text, loader: args.path.endsWith('.ts') || args.path.endsWith('.mts') ? 'ts' : 'js', resolveDir: dirname(args.path) };
    });
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'dist'), { recursive: true });
await build({
  absWorkingDir: cli,
  entryPoints: { main: 'src/main.ts' },
  outdir: join(out, 'dist'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: ['node20.19'],
  conditions: ['@shadow/source'],
  define: { __SHADOW_BUILD__: JSON.stringify({ version: manifest.version, commit }) },
  plugins: [workspacePlugin],
  legalComments: 'none',
  logLevel: 'warning',
});
const { bundleWeb } = await import(join(repo, 'services/dashboard/scripts/bundle-web.mjs'));
await bundleWeb(join(out, 'dist', 'public'));

const pkg = {
  name: manifest.name,
  version: manifest.version,
  description: manifest.description,
  type: 'module',
  bin: { shadow: './dist/main.js' },
  files: ['dist'],
  engines: JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).engines,
  dependencies: Object.fromEntries([...external].sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(
  join(out, 'README.md'),
  `# shadow\n\nThe shadow deployment CLI (${manifest.version}${commit === null ? '' : `, commit ${commit}`}), bundled for \`npm install -g\`. Every command: \`shadow --help\`.\n`,
);
const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', join(cli, 'dist')], { cwd: out, encoding: 'utf8' })
  .trim()
  .split('\n')
  .pop();
console.log(join(cli, 'dist', tarball));
