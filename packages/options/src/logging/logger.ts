// The logger every component takes as an option: the `(obj, msg)` subset of pino, so a service
// passes a pino (child) logger as is and libraries never depend on pino themselves (CONVENTIONS.md
// "Logging"). Each package names it after itself (`TapLogger`, `ReplayLogger`, ...).

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

/** Discards everything: the default when no logger is given. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
