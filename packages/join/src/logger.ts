// The package logs through a small interface a pino logger satisfies as is (libraries do not
// depend on pino); the service passes a child logger.
type LogMethod = (obj: object, msg?: string) => void;

export interface JoinLogger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

const noop: LogMethod = () => undefined;
export const SILENT_LOGGER: JoinLogger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
