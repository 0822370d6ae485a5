export { parseCommand, runCommand, USAGE, UsageError } from './cli.js';
export type { ControlCommand } from './cli.js';
