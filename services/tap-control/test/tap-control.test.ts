// The operator CLI against real Kafka: a running tap transport follows what it writes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRepoRoot, uniqueName } from '@shadow/stack-harness';
import { stack } from '@shadow/stack-harness/vitest';
import { createKafkaTransport } from '@shadow/tap';
import type { KafkaTransport } from '@shadow/tap';

const main = join(findRepoRoot(), 'services', 'tap-control', 'dist', 'main.js');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], { env: { PATH: process.env.PATH ?? '', KAFKA_BROKERS: stack().kafkaBrokers.join(',') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function within(ms: number, condition: () => boolean): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

describe('shadow-tap-control', () => {
  const transports: KafkaTransport[] = [];
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close(1_000)));
  });

  it('pauses and resumes a running tap within 5 s', async () => {
    expect(existsSync(main), `${main} is missing: build first (npm test builds)`).toBe(true);
    const prefix = `${uniqueName('ctl')}.`;
    const service = 'checkout';
    const transport = createKafkaTransport({ service, brokers: stack().kafkaBrokers, schemaRegistryUrl: stack().schemaRegistryUrl, topicPrefix: prefix });
    transports.push(transport);

    const paused = await cli(['pause', '--service', '*', '--reason', 'test incident', '--topic-prefix', prefix]);
    expect(paused.stderr).toBe('');
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/mirroring paused for \* on .*shadow\.control\.v1/);

    await transport.start();
    await within(5_000, () => transport.controlState === 'paused');
    expect(transport.enabled).toBe(false);

    const resumed = await cli(['resume', '--service', '*', '--reason', 'incident over', '--topic-prefix', prefix]);
    expect(resumed.code).toBe(0);
    await within(5_000, () => transport.enabled);
  });

  it('exits 2 with the usage on a bad command line', async () => {
    expect(existsSync(main), `${main} is missing: build first (npm test builds)`).toBe(true);
    const result = await cli(['pause', '--service', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--reason is required');
    expect(result.stderr).toContain('usage: shadow-tap-control');
  });
});
