import type { Logger } from '@shadow/options';

/** The logger this package writes to; pino satisfies it. Libraries never import pino themselves. */
export type ReplayLogger = Logger;

export { silentLogger } from '@shadow/options';

export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
