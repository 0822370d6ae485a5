import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatSummary, runReplayCommand } from './replay-command.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const env = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081' };

async function run(argv: string[], e: Record<string, string> = env): Promise<{ code: number; out: string }> {
  let out = '';
  const stdout = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } });
  const code = await runReplayCommand(argv, { env: e, stdout, logger: silent });
  return { code, out };
}

describe('replay command arguments', () => {
  it('lists every problem at once and exits 2 before touching Kafka', async () => {
    const { code, out } = await run(['--from', 'yesterday', '--speed', 'warp', '--ordering', 'sometimes', '--sample-rate', '3', '--challenger', 'nourl']);
    expect(code).toBe(2);
    expect(out).toMatch(/--from must be a time: "yesterday" is not a time/);
    expect(out).toMatch(/--to is required/);
    expect(out).toMatch(/speed must be "max" or a positive factor/);
    expect(out).toMatch(/--ordering must be none, all or header:<name>/);
    expect(out).toMatch(/--sample-rate must be a number in \[0, 1\]/);
    expect(out).toMatch(/--challenger: expected id=url/);
    expect(out).toMatch(/usage: replay/);
  });

  it('validates challengers given on the command line like the config file', async () => {
    const { code, out } = await run(['--from', '2026-11-29T10:00:00Z', '--to', '2026-11-29T09:00:00Z', '--challenger', 'c=ftp://x,role=boss']);
    expect(code).toBe(2);
    expect(out).toMatch(/--from must be before --to/);
    expect(out).toMatch(/challengers\.0\.baseUrl/);
    expect(out).toMatch(/challengers\.0\.role/);
    expect((await run(['--bogus'])).code).toBe(2);
  });

  it('prints a summary with the resume hint when interrupted', () => {
    const text = formatSummary({
      runId: 'r1', sessionId: 's1', topic: 't', fromMs: 0, toMs: 1000, completed: false, exchanges: 3, sent: 6, succeeded: 5, failed: { timeout: 1 }, outsideWindow: 2, sampledOut: 0,
      deadLettered: 1, perChallenger: [{ id: 'c', role: 'candidate', sent: 6, succeeded: 5, failed: { timeout: 1 } }], durationMs: 2000, achievedRatePerSecond: 3, resumed: false,
    });
    expect(text).toContain('INTERRUPTED (resume with --run-id r1)');
    expect(text).toContain('6 sent, 5 succeeded, failed: timeout=1');
    expect(text).toContain('c (candidate): sent 6, ok 5, errors 1');
    expect(text).toContain('shadow report --run-id r1 --wait');
  });
});
