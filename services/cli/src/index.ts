export type { CliIo } from './io.js';
export { CliError, EXIT, processIo } from './io.js';
export { createProgram, runCli } from './program.js';
export type { BrokerSource } from './kafka-connection.js';
export { kafkaFor, resolveBrokers, resolveRegistry } from './kafka-connection.js';
