// The operator commands' command lines (stack, start, replay, pause, resume): help, usage errors
// (exit 2 naming the flag) and the translation to the replayer's own command. Nothing here
// reaches Kafka: every case fails or finishes before a connection would be made.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPLAY_OPTIONS } from '@shadow/replayer/options';
import type { CliIo } from './io.js';
import { runCli } from './program.js';

function io(env: Record<string, string> = {}, cwd = '/'): CliIo & { lines: string[]; errors: string[]; text: () => string } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), env, cwd, text: () => [...lines, ...errors].join('\n') };
}

const argv = (...args: string[]): string[] => ['node', 'shadow', ...args];

describe('--help of the operator commands', () => {
  it.each([
    [
      ['stack', '--help'],
      [/up\s+install if needed, start Kafka/, /down \[options\]/, /status\s+one line per component/, /logs \[options\] \[component\]/, /Exit codes: 0 ok, 1/],
    ],
    [
      ['stack', 'logs', '--help'],
      [/-f, --follow/, /-n, --lines <n>/, /kafka or registry/],
    ],
    [['stack', 'down', '--help'], [/--purge/]],
    [
      ['start', '--help'],
      [/replayer \[options\]/, /joiner \[options\]/, /Exit codes: 0 drained after SIGTERM\/SIGINT/],
    ],
    [
      ['start', 'replayer', '--help'],
      [/--config <file>/, /shadow start replayer --config replayer.yaml/],
    ],
    [
      ['start', 'joiner', '--help'],
      [/--config <file>/, /CLICKHOUSE_URL \(server\) or CHDB_PATH/],
    ],
    [
      ['replay', '--help'],
      [
        /--from <time>/,
        /--to <time>/,
        /--challenger <spec>\s+id=url\[,role=secondary\]/,
        /--speed <speed>\s+max, 1x/,
        /--sample-rate <rate>/,
        /--ordering <mode>/,
        /--run-id <id>/,
        /--topic-prefix <prefix>/,
        /--config <file>/,
        /130 interrupted \(resumable\)/,
      ],
    ],
    [
      ['pause', '--help'],
      [/--service <name>/, /--reason <text>/, /--topic-prefix <prefix>/, /--brokers <list>/, /shadow pause --service '\*' --reason "incident 42"/],
    ],
    [
      ['sample', 'set', '--help'],
      [/--service <name>/, /--rate <rate>/, /--reason <text>/, /shadow sample set --service pricing --rate 0\.01 --reason "start small"/],
    ],
    [
      ['resume', '--help'],
      [/--service <name>/, /--reason <text>\s+why; required unless --clear/, /--clear/],
    ],
  ])('shadow %j prints its flags and exits 0', async (args, expected) => {
    const t = io();
    expect(await runCli(argv(...args), t)).toBe(0);
    for (const line of expected) expect(t.text()).toMatch(line);
  });

  it('the top-level help lists every command', async () => {
    const t = io();
    expect(await runCli(argv('--help'), t)).toBe(0);
    for (const command of ['stack', 'topics', 'start', 'replay', 'pause', 'resume', 'migrate', 'report', 'gate', 'query']) {
      expect(t.text()).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });
});

describe('usage errors exit 2 with a message naming the problem', () => {
  it.each([
    [['stack', 'sideways'], /unknown command 'sideways'/],
    [['stack', 'down', '--force'], /unknown option '--force'/],
    [['stack', 'logs', '-n', 'many'], /option '-n, --lines <n>' argument 'many' is invalid/],
    [['stack', 'logs', 'zookeeper'], /unknown component "zookeeper" \(kafka or registry\)/],
    [['start', 'tap'], /unknown command 'tap'/],
    [['start', 'replayer', '--conf', 'x'], /unknown option '--conf'/],
    [['replay', '--to', '2026-11-29T11:00:00Z'], /required option '--from <time>' not specified/],
    [
      ['replay', '--from', 'yesterday', '--to', '2026-11-29T11:00:00Z'],
      /'--from <time>' argument 'yesterday' is invalid. "yesterday" is not a time; expected a duration back from now/,
    ],
    [['replay', '--from', '72', '--to', '2026-11-29T11:00:00Z'], /'--from <time>' argument '72' is invalid. "72" is a number without a unit/],
    [['replay', '--from', '2026-11-29T10:00:00Z', '--to', '2026-11-29T11:00:00'], /'--to <time>' argument '2026-11-29T11:00:00' is invalid. .*no zone: add Z/],
    [['replay', '--from', '2026-11-29T10:00:00Z', '--to', '2026-11-29T11:00:00Z', '--speed', 'fast'], /'--speed <speed>' argument 'fast' is invalid/],
    [
      ['replay', '--from', '2026-11-29T10:00:00Z', '--to', '2026-11-29T11:00:00Z', '--sample-rate', '2'],
      /'--sample-rate <rate>' argument '2' is invalid. expected a number in \[0, 1\]/,
    ],
    [['replay', '--from', '2026-11-29T10:00:00Z', '--to', '2026-11-29T11:00:00Z', '--ordering', 'random'], /'--ordering <mode>' argument 'random' is invalid/],
    [
      ['replay', '--from', '2026-11-29T10:00:00Z', '--to', '2026-11-29T11:00:00Z', '--challenger', 'rc'],
      /'--challenger <spec>' argument 'rc' is invalid. expected id=url/,
    ],
    [['replay', '--from', '2026-11-29T10:00:00Z', '--to', '2026-11-29T11:00:00Z', '--order', 'all'], /unknown option '--order'/],
    [['pause', '--service', 'checkout'], /required option '--reason <text>' not specified/],
    [['pause', '--reason', 'r'], /required option '--service <name>' not specified/],
    [['pause', '--service', ' ', '--reason', 'r'], /--service must not be blank/],
    [['pause', '--service', 'x', '--reason', 'r', '--topic-prefix', 'bad prefix'], /'--topic-prefix <prefix>' argument 'bad prefix' is invalid/],
    [['resume', '--service', 'checkout'], /resume: --reason is required/],
    [['pause', '--service', 'x', '--reason', 'r', '--brokers', 'nohostport'], /--brokers must be a comma-separated list of host:port/],
    [['sample', 'set', '--service', 'x', '--reason', 'r'], /required option '--rate <rate>' not specified/],
    [['sample', 'set', '--service', 'x', '--rate', '0.1'], /required option '--reason <text>' not specified/],
    [['sample', 'set', '--rate', '0.1', '--reason', 'r'], /required option '--service <name>' not specified/],
    [['sample', 'clear'], /required option '--service <name>' not specified/],
    ...['1.5', '-0.1', '2', 'abc', '', ' ', '1e-1', '0x1', 'NaN', 'Infinity', '0.1,0.2'].map((rate): [string[], RegExp] => [
      ['sample', 'set', '--service', 'x', '--rate', rate, '--reason', 'r'],
      /'--rate <rate>' argument '.*' is invalid. expected a number in \[0, 1\]/,
    ]),
    ...['sampling:x', 'a b', '', 'x;rm', 'ä', 'x'.repeat(129), "x'"].map((service): [string[], RegExp] => [
      ['sample', 'set', '--service', service, '--rate', '0.1', '--reason', 'r'],
      /'--service <name>' argument '.*' is invalid. a service name is 1-128 ASCII letters/,
    ]),
    [['sample', 'clear', '--service', 'a:b'], /'--service <name>' argument 'a:b' is invalid/],
    [['sample', 'set', '--service', 'x', '--rate', '0.1', '--reason', ' '], /--reason must not be blank/],
    [
      ['sample', 'set', '--service', 'x', '--rate', '0.1', '--reason', 'r', '--topic-prefix', 'bad prefix'],
      /'--topic-prefix <prefix>' argument 'bad prefix' is invalid/,
    ],
  ])('shadow %j', async (args, message) => {
    const t = io();
    expect(await runCli(argv(...args), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(message);
  });

  it('stack outside a checkout names what is missing and how to fix it', async () => {
    const t = io({}, mkdtempSync(join(tmpdir(), 'no-checkout-')));
    expect(await runCli(argv('stack', 'status'), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(
      /no checkout of the shadow repository \(a pnpm workspace with infra\/local\/stack\) above .*no-checkout-.*; run shadow stack inside the repository, or set SHADOW_REPO_ROOT/,
    );
    const wrong = io({ SHADOW_REPO_ROOT: '/nowhere' });
    expect(await runCli(argv('stack', 'up'), wrong)).toBe(2);
    expect(wrong.errors.join('\n')).toMatch(/SHADOW_REPO_ROOT=\/nowhere has no infra\/local\/stack/);
  });

  it('replay with a bad config file lists every bad field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-config-'));
    const file = join(dir, 'replayer.yaml');
    writeFileSync(file, 'kafka: { brokers: ["nope"] }\nschemaRegistry: { url: "ftp://x" }\nchallengers: []\n');
    const t = io();
    expect(await runCli(argv('replay', '--config', file, '--from', '2026-11-29T10:00:00Z', '--to', '2026-11-29T11:00:00Z'), t)).toBe(2);
    const text = t.errors.join('\n');
    expect(text).toMatch(/kafka\.brokers\[0\]( \(KAFKA_BROKERS\))?: each broker must be host:port, got "nope"/);
    expect(text).toMatch(/schemaRegistry\.url( \(SCHEMA_REGISTRY_URL\))?: must be an http:\/\/ or https:\/\/ URL/);
    expect(text).toMatch(/challengers( \(REPLAYER_CHALLENGERS\))?: list at least one challenger/);
    expect(text).toMatch(/or name them with --challenger id=url/);
  });

  it('start with a bad config file names the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'joiner-config-'));
    const file = join(dir, 'joiner.yaml');
    writeFileSync(file, 'KAFKA_BROKERS: "a:1"\nSCHEMA_REGISTRY_URL: "http://r"\nJOINER_WINDOW_MS: -5\n');
    const t = io();
    expect(await runCli(argv('start', 'joiner', '--config', file), t)).toBe(2);
    expect(t.errors.join('\n')).toMatch(/JOINER_CHALLENGERS: .*not set|JOINER_CHALLENGERS/);
    expect(t.errors.join('\n')).toMatch(/JOINER_WINDOW_MS \(windowMs\): Too small/);
  });
});

describe("shadow replay mounts the replayer's own options", () => {
  it("offers every option of the replayer's replay command, with its description", async () => {
    const t = io();
    expect(await runCli(argv('replay', '--help'), t)).toBe(0);
    const help = t.text().replace(/\s+/g, ' ');
    const shown = REPLAY_OPTIONS.filter((o) => o.hidden !== true);
    expect(shown.length).toBeGreaterThan(10);
    for (const o of shown) {
      expect(help).toContain(o.value === undefined ? o.flag : `${o.flag} <${o.value}>`);
      expect(help).toContain(o.description.replace(/\s+/g, ' ').slice(0, 40));
    }
  });
});
