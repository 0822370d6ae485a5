// `@shadow/stack-harness/vitest`: what an integration test file uses to reach the stack that the
// global setup (test/setup/global-setup.ts) resolved once per run. Importing it also declares the
// `stack` entry of vitest's ProvidedContext.
import { inject } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { StackEndpoints } from './types.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
  }
}

/** The endpoints of the stack under test. */
export function stack(): StackEndpoints {
  return inject('stack');
}

/** A kafkajs client for the stack's brokers, quiet (tests assert; they do not read logs). */
export function kafkaClient(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: stack().kafkaBrokers, logLevel: logLevel.NOTHING });
}
