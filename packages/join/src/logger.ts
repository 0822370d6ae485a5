// The package logs through a small interface a pino logger satisfies as is (libraries do not
// depend on pino); the service passes a child logger.
import { silentLogger } from '@shadow/options';
import type { Logger } from '@shadow/options';

export type JoinLogger = Logger;

export const SILENT_LOGGER: JoinLogger = silentLogger;
