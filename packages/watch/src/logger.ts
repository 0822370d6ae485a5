/** The logger this package writes to; pino satisfies it. Libraries never import pino themselves. */
export interface WatchLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: WatchLogger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});
