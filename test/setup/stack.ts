// The one place integration tests read the stack from. Importing this file also brings the
// ProvidedContext type augmentation into scope.
import { inject } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import type { StackEndpoints } from '@shadow/stack-harness';
import type {} from './global-setup.js';

export function stack(): StackEndpoints {
  return inject('stack');
}

export function kafkaClient(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: stack().kafkaBrokers, logLevel: logLevel.NOTHING });
}
