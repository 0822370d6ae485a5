// The package logs through a small interface that a pino logger satisfies as is (libraries do not
// depend on pino). @clickhouse/client wants a logger *class* with its own call shape, so the
// adapter below builds one bound to the given instance and picks the client's level from what the
// logger has enabled, so the client does not format trace messages that pino would drop.
import { ClickHouseLogLevel } from '@clickhouse/client';
import type { ErrorLogParams, LogParams, Logger, WarnLogParams } from '@clickhouse/client';
import type { Logger as ComponentLogger } from '@shadow/options';

type LogMethod = (obj: object, msg?: string) => void;

/** The part of pino's `Logger` this package uses (every component's, plus `trace`); `pino()` and `logger.child(...)` satisfy it. */
export interface ClickHouseLogger extends ComponentLogger {
  trace: LogMethod;
  /** pino's level check; when absent, @clickhouse/client logs from WARN up. */
  isLevelEnabled?: (level: string) => boolean;
}

export const LOGGER_METHODS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/** The lowest level the logger has enabled, as @clickhouse/client's numeric level. */
export function clientLogLevel(logger: ClickHouseLogger): ClickHouseLogLevel {
  const enabled = logger.isLevelEnabled?.bind(logger);
  if (!enabled) return ClickHouseLogLevel.WARN;
  if (enabled('trace')) return ClickHouseLogLevel.TRACE;
  if (enabled('debug')) return ClickHouseLogLevel.DEBUG;
  if (enabled('info')) return ClickHouseLogLevel.INFO;
  if (enabled('warn')) return ClickHouseLogLevel.WARN;
  if (enabled('error')) return ClickHouseLogLevel.ERROR;
  return ClickHouseLogLevel.OFF;
}

/** A @clickhouse/client `LoggerClass` forwarding to `logger` (module and args become fields, err stays `err`). */
export function clientLoggerClass(logger: ClickHouseLogger): new () => Logger {
  const fields = ({ module, args }: LogParams): object => ({ ...args, module });
  return class ClientLogger implements Logger {
    trace(params: LogParams): void {
      logger.trace(fields(params), params.message);
    }
    debug(params: LogParams): void {
      logger.debug(fields(params), params.message);
    }
    info(params: LogParams): void {
      logger.info(fields(params), params.message);
    }
    warn(params: WarnLogParams): void {
      logger.warn(params.err ? { ...fields(params), err: params.err } : fields(params), params.message);
    }
    error(params: ErrorLogParams): void {
      logger.error({ ...fields(params), err: params.err }, params.message);
    }
  };
}
