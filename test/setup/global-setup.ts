// Resolves the stack once per test run (env -> Docker/testcontainers -> infra/local) and hands the
// endpoints to every worker through vitest's provide/inject. Containers started here are stopped at
// teardown; a local stack is left running so the next run starts in seconds (`.ci/run` stops it).
import type { TestProject } from 'vitest/node';
import { resolveStack } from '@shadow/stack-harness';
// Brings the ProvidedContext declaration of `stack` into scope.
import type {} from '@shadow/stack-harness/vitest';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const stack = await resolveStack();
  const { endpoints } = stack;
  console.log(
    `[stack] ${endpoints.source}: kafka=${endpoints.kafkaBrokers.join(',')} registry=${endpoints.schemaRegistryUrl} ` +
      `clickhouse=${endpoints.clickhouse.mode === 'embedded' ? `chdb:${endpoints.clickhouse.path}` : endpoints.clickhouse.url} ` +
      `(${Date.now() - started} ms)`,
  );
  project.provide('stack', endpoints);
  return async () => {
    await stack.stop();
  };
}
