// Bundles the page (web/) into a directory the dashboard serves: index.html, app.js (the
// TypeScript and uPlot, minified) and app.css (uPlot's stylesheet and ours). esbuild is the one
// the repository already uses through tsx and vitest. Nothing is fetched at run time: no CDN, no
// web fonts. `node scripts/bundle-web.mjs <out-dir>` (the package's build), or bundleWeb(outDir).
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes the page into `outDir`; resolves to the files written. */
export async function bundleWeb(outDir) {
  await mkdir(outDir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { app: 'web/main.ts' },
    outdir: outDir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  await build({ absWorkingDir: root, entryPoints: { app: 'web/style.css' }, outdir: outDir, bundle: true, minify: true, logLevel: 'warning' });
  await copyFile(join(root, 'web', 'index.html'), join(outDir, 'index.html'));
  return ['index.html', 'app.js', 'app.css'].map((f) => join(outDir, f));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? join(root, 'dist', 'public'));
  await bundleWeb(out);
}
