// The page and its bundle, read once at start into memory and served by exact name: there is no
// file-system lookup per request, so no request path can reach a file that is not in this list.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** URL path -> file of the bundle (scripts/bundle-web.mjs writes them). */
export const ASSET_FILES: Readonly<Record<string, { file: string; type: string }>> = Object.freeze({
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
});

export class AssetsMissingError extends Error {
  override readonly name = 'AssetsMissingError';
}

/** Reads every asset of `dir`; a missing one fails start-up naming the directory and the build step. */
export function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const [path, { file, type }] of Object.entries(ASSET_FILES)) {
    let body: Buffer;
    try {
      body = readFileSync(join(dir, file));
    } catch {
      throw new AssetsMissingError(`dashboard page missing: ${join(dir, file)}; build it with \`pnpm --filter @shadow/dashboard build\` (or npm run build)`);
    }
    out.set(path, { body, type, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` });
  }
  return out;
}
