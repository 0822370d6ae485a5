#!/usr/bin/env node
// The `shadow` command. A committed launcher rather than `dist/main.js` itself, so the package
// manager links the command at install time, before anything is built (a bin pointing at an unbuilt
// file makes pnpm warn "Failed to create bin" on every fresh clone). It only imports the build.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('shadow: the CLI is not built yet; run `npm run build` (or `npm run demo`, `npm test`) in the repository first\n');
  process.exit(2);
}
await import(main.href);
