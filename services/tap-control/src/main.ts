#!/usr/bin/env node
import { parseCommand, runCommand, USAGE, UsageError } from './cli.js';

try {
  const command = parseCommand(process.argv.slice(2), process.env);
  console.log(await runCommand(command));
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(`shadow-tap-control failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
