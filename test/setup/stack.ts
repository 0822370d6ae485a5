// Integration tests under test/ reach the stack through the harness's vitest entry.
export { stack, kafkaClient } from '@shadow/stack-harness/vitest';
