/** The logger this package writes to; pino satisfies it. Libraries never import pino themselves. */
export interface ReplayLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: ReplayLogger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});

export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
