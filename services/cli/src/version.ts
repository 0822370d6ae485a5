// `shadow --version`: the package version and, when known, the git commit it was built from. The
// installed (bundled) CLI has both stamped in at bundle time (scripts/bundle.mjs defines
// __SHADOW_BUILD__); in a checkout the version comes from the CLI's package.json and the commit from
// git, asked only when --version is asked (a missing git or a tarball without .git just leaves it out).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __SHADOW_BUILD__: { version: string; commit: string | null } | undefined;

function fromCheckout(): { version: string; commit: string | null } {
  // dist/version.js and src/version.ts both sit one level below the package root.
  const manifest = new URL('../package.json', import.meta.url);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  let commit: string | null;
  try {
    commit =
      execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
        cwd: dirname(fileURLToPath(manifest)),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 5_000,
      }).trim() || null;
  } catch {
    commit = null;
  }
  return { version, commit };
}

/** `0.1.0 (commit 1a2b3c4d5e6f)`, or `0.1.0` when no commit is known. */
export function versionText(): string {
  const build = typeof __SHADOW_BUILD__ === 'undefined' ? fromCheckout() : __SHADOW_BUILD__;
  return build.commit === null ? build.version : `${build.version} (commit ${build.commit})`;
}
