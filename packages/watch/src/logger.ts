import type { Logger } from '@shadow/options';

/** The logger this package writes to; pino satisfies it. Libraries never import pino themselves. */
export type WatchLogger = Logger;

export { silentLogger } from '@shadow/options';
