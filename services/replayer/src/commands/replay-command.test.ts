import { describe, expect, it } from 'vitest';
import { formatSummary, parseChallengerSpec, replayCommand, replayFromArgv } from './replay-command.js';

const env = { KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', LOG_LEVEL: 'silent' };

function io(e: Record<string, string> = env): { out: string[]; err: string[]; env: Record<string, string>; cwd: string } & { out: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return Object.assign({ env: e, cwd: process.cwd() }, { out, err });
}

async function run(argv: string[], e: Record<string, string> = env): Promise<{ code: number; err: string }> {
  const lines: string[] = [];
  const code = await replayFromArgv(argv, { out: (l) => lines.push(l), err: (l) => lines.push(l), env: e, cwd: process.cwd() });
  return { code, err: lines.join('\n') };
}

describe('replay command arguments', () => {
  it('lists every problem at once and exits 2 before touching Kafka', async () => {
    const { code, err } = await run(['--from', 'yesterday', '--speed', 'warp', '--ordering', 'sometimes', '--sample-rate', '3', '--challenger', 'nourl']);
    expect(code).toBe(2);
    expect(err).toMatch(/--from: .*got "yesterday"/);
    expect(err).toMatch(/--to is required/);
    expect(err).toMatch(/--speed: expected "max" or a factor/);
    expect(err).toMatch(/--ordering: expected none, all or header:<name>/);
    expect(err).toMatch(/--sample-rate: expected a number in \[0, 1\]/);
    expect(err).toMatch(/--challenger: expected id=url/);
    expect(err).toMatch(/usage: main\.js replay/);
  });

  it("validates challengers given on the command line by the challengers block's schema, named by the flag, with the other problems", async () => {
    const { code, err } = await run(['--from', '2026-11-29T10:00:00Z', '--to', '2026-11-29T09:00:00Z', '--challenger', 'c=ftp://x,role=boss']);
    expect(code).toBe(2);
    expect(err).toMatch(/--from must be before --to/);
    expect(err).toMatch(/--challenger \(challengers\[0\]\.baseUrl\): must be an http/);
    expect(err).toMatch(/--challenger \(challengers\[0\]\.role\): .*"boss"/);
    expect((await run(['--bogus'])).code).toBe(2);
  });

  it('a typed call: flags that name settings go over the configuration and are named by their flag', async () => {
    const t = io();
    const lines: string[] = [];
    const code = await replayCommand.run(
      { from: Date.now() - 60_000, to: Date.now(), brokers: ['nohost'], topicPrefix: 'a b', challengers: [{ id: 'c', baseUrl: 'http://c:1' }] },
      { ...t, out: (l) => lines.push(l), err: (l) => lines.push(l) },
    );
    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(/--brokers \(kafka\.brokers\[0\]\): each broker must be host:port, got "nohost"/);
    expect(lines.join('\n')).toMatch(/--topic-prefix \(topicPrefix\): may only contain/);
  });

  it('no challenger anywhere: says where to name them', async () => {
    const { code, err } = await run(['--from', '2h', '--to', '1h']);
    expect(code).toBe(2);
    expect(err).toMatch(/challengers \(REPLAYER_CHALLENGERS\): required \(not set\)/);
    expect(err).toMatch(/or name them with --challenger id=url/);
  });

  it('--challenger specs become entries of the challengers block', () => {
    expect(parseChallengerSpec('sec=http://s:1,role=secondary,rate=50,concurrency=8,timeout=2000,host=original,name=S')).toEqual({
      id: 'sec',
      baseUrl: 'http://s:1',
      role: 'secondary',
      maxRatePerSecond: 50,
      maxConcurrency: 8,
      timeoutMs: 2000,
      host: 'original',
      name: 'S',
    });
    expect(() => parseChallengerSpec('a=http://a,colour=red')).toThrow(/unknown attribute "colour"/);
  });

  it('prints a summary with the resume hint when interrupted', () => {
    const text = formatSummary({
      runId: 'r1',
      sessionId: 's1',
      topic: 't',
      fromMs: 0,
      toMs: 1000,
      completed: false,
      exchanges: 3,
      sent: 6,
      succeeded: 5,
      failed: { timeout: 1 },
      outsideWindow: 2,
      sampledOut: 0,
      deadLettered: 1,
      perChallenger: [{ id: 'c', role: 'candidate', sent: 6, succeeded: 5, failed: { timeout: 1 } }],
      durationMs: 2000,
      achievedRatePerSecond: 3,
      resumed: false,
    });
    expect(text).toContain('INTERRUPTED (resume with --run-id r1)');
    expect(text).toContain('6 sent, 5 succeeded, failed: timeout=1');
    expect(text).toContain('c (candidate): sent 6, ok 5, errors 1');
    expect(text).toContain('shadow report --run-id r1 --wait');
  });
});
