import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConfig } from '../config/load-config.js';
import { serve, startCommand } from '../run-service.js';
import type { ServiceDefinition } from '../run-service.js';
import { commandHelp, parseCommandArgv } from './command.js';
import type { ServiceCommand, ServiceIo } from './command.js';

const command: ServiceCommand<unknown> = {
  name: 'replay',
  description: 'replay a window',
  options: [
    {
      flag: '--from',
      name: 'from',
      value: 'time',
      description: 'start',
      required: true,
      parse: (t) => {
        if (!/^\d+$/.test(t)) throw new Error('expected epoch ms.');
        return Number(t);
      },
    },
    { flag: '--challenger', name: 'challengers', value: 'spec', description: 'repeatable', multiple: true },
    { flag: '--speed', name: 'speed', value: 'speed', description: 'pace', default: 'max' },
    { flag: '--json', name: 'json', description: 'JSON summary' },
    { flag: '--prefix', name: 'topicPrefix', value: 'prefix', description: 'old spelling', hidden: true },
  ],
  run: () => Promise.resolve(0),
};

describe('parseCommandArgv', () => {
  it('reads --flag value, --flag=value, repeated options and switches, and fills defaults', () => {
    expect(parseCommandArgv(command, ['--from', '10', '--challenger=a=http://a', '--challenger', 'b=http://b', '--json'])).toEqual({
      options: { from: 10, challengers: ['a=http://a', 'b=http://b'], json: true, speed: 'max' },
      problems: [],
    });
  });

  it('names every problem: unknown option, a refused value, a missing value or required option, a stray argument', () => {
    expect(parseCommandArgv(command, ['--form', '1', '--from', 'noon', 'stray', '--speed']).problems).toEqual([
      '--form: unknown option (accepted: --from, --challenger, --speed, --json)',
      '--from: expected epoch ms, got "noon"',
      '"stray": unexpected argument (every setting is a --flag)',
      '--speed: needs a value (speed)',
    ]);
    expect(parseCommandArgv(command, ['--json=yes']).problems).toEqual(['--json: takes no value', '--from is required']);
  });

  it('help lists the options that are not hidden', () => {
    const help = commandHelp(command, 'main.js replay [options]');
    expect(help).toMatch(/--from <time>\s+start/);
    expect(help).not.toContain('--prefix');
  });
});

function io(signal?: AbortSignal): ServiceIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), env: {}, cwd: process.cwd(), signal };
}

const config = defineConfig({
  name: 'echo',
  envPrefix: 'ECHO',
  schema: z.strictObject({ port: z.number().int().min(0).max(65_535), logLevel: z.string().default('info') }),
});

function service(start: ServiceDefinition<{ port: number; logLevel: string }>['start']): ServiceDefinition<{ port: number; logLevel: string }> {
  return { name: 'echo', description: 'test service', config, logLevel: (c) => c.logLevel, start };
}

describe('serve (the lifecycle of every service)', () => {
  it('bad configuration: exit 2 with every bad field, nothing started', async () => {
    let started = false;
    const t = io();
    expect(
      await serve(
        service(() => {
          started = true;
          return Promise.resolve({ close: () => Promise.resolve() });
        }),
        { values: { port: 70000, logLevel: 'info' } },
        t,
      ),
    ).toBe(2);
    expect(t.errors.join('\n')).toMatch(/^invalid echo configuration:\n {2}port: Too big.*got 70000$/);
    expect(started).toBe(false);
  });

  it('serves until stopped, drains once, exit 0; a failing drain exits 1', async () => {
    const stop = new AbortController();
    const t = io(stop.signal);
    let closed = 0;
    const running = serve(
      service(() =>
        Promise.resolve({
          close: () => {
            closed++;
            return Promise.resolve();
          },
        }),
      ),
      { values: { port: 1 } },
      t,
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(0);
    stop.abort();
    expect(await running).toBe(0);
    expect(closed).toBe(1);
    expect(t.lines.some((l) => l.includes('"msg":"draining"'))).toBe(true);
    const failing = new AbortController();
    failing.abort();
    expect(
      await serve(
        service(() => Promise.resolve({ close: () => Promise.reject(new Error('stuck')) })),
        { values: { port: 1 } },
        io(failing.signal),
      ),
    ).toBe(1);
  });

  it('a start that fails: exit 1 naming the service', async () => {
    const t = io();
    expect(
      await serve(
        service(() => Promise.reject(new Error('no broker'))),
        { values: { port: 1 } },
        t,
      ),
    ).toBe(1);
    expect(t.errors[0]).toMatch(/^echo failed to start: Error: no broker/);
  });

  it('start <service>: --config names the file, and a fallback fills only what is unset, said on stderr', async () => {
    const stop = new AbortController();
    stop.abort();
    const t = io(stop.signal);
    const seen: number[] = [];
    const start = startCommand(
      service((c) => {
        seen.push(c.port);
        return Promise.resolve({ close: () => Promise.resolve() });
      }),
    );
    expect(start.options.map((o) => o.flag)).toEqual(['--config']);
    expect(await start.run({ defaults: { values: { port: 7 }, from: 'the local stack' } }, t)).toBe(0);
    expect(seen).toEqual([7]);
    expect(t.errors).toEqual(['port: from the local stack']);
    expect(await start.run({ config: '/nonexistent/echo.yaml' }, io())).toBe(2);
  });
});
