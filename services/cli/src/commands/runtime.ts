// What the long-running commands (replay, start) share: a pino logger writing through the CLI's io
// (so tests read the lines), whether the process talks to a terminal, and the local stack's
// endpoints as the last fallback for Kafka and the registry. pino is imported lazily: `stack up`
// runs `shadow topics ensure` through this program and must stay fast.
import type { Logger } from 'pino';
import { findLocalStack } from '@shadow/local-stack';
import type { LocalStackEndpoints } from '@shadow/local-stack';
import type { CliIo } from '../io.js';

/** A pino logger whose JSON lines go to `io.err` (or `io.out` for a service's own log). */
export async function ioLogger(io: CliIo, name: string, level: string, to: 'out' | 'err' = 'err'): Promise<Logger> {
  const { pino } = await import('pino');
  return pino({ name, level }, { write: (text: string) => (to === 'out' ? io.out(text.replace(/\n$/, '')) : io.err(text.replace(/\n$/, ''))) });
}

/**
 * True when this command runs as the real process on a terminal. A CliIo carries lines, not a
 * stream: a progress bar needs the process's own stdout, so it is drawn only for the process io
 * (whose env is process.env) on a TTY; tests and pipes get log lines.
 */
export function onTerminal(io: CliIo): boolean {
  return io.env === process.env && process.stdout.isTTY === true;
}

/** The endpoints `bash infra/local/stack up` published, or undefined outside a checkout / when it is down. */
export function localStack(io: CliIo): { endpoints: LocalStackEndpoints; from: string } | undefined {
  const found = findLocalStack(io.cwd, io.env);
  return found === undefined ? undefined : { endpoints: found.endpoints, from: found.from };
}
