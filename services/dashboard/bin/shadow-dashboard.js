#!/usr/bin/env node
// The `shadow-dashboard` command: a committed launcher that imports the build, so the package manager links
// the command at install time, before anything is built (a bin pointing at an unbuilt dist/main.js
// makes pnpm warn "Failed to create bin" on every fresh clone).
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('shadow-dashboard: not built yet; run `npm run build` in the repository first\n');
  process.exit(2);
}
await import(main.href);
