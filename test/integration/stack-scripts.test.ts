// What scripts and CI rely on from `infra/local/stack`, checked against real JVMs.
//
// Every test gets its own STACK_DIR and its own free ports, so it never touches the stack the
// integration run itself uses (or another test). The downloads are unpacked once for this file into
// a shared STACK_INSTALL_DIR: they are read-only inputs, like ~/.m2, and unpacking them per test
// would add ~6 s of Maven to each. Full up/down cycles cost ~15 s each on 2 cores, so there are two.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const script = join(repoRoot, 'infra', 'local', 'stack');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

interface Ports {
  kafka: number;
  controller: number;
  registry: number;
}

interface TestStack {
  dir: string;
  ports: Ports;
  run: (...args: string[]) => Promise<Run>;
}

let installDir = '';
const created: TestStack[] = [];

function runScript(args: string[], env: Record<string, string>, timeoutMs = 240_000): Promise<Run> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn('bash', [script, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    // 'close' (not 'exit'): it also waits for the pipes, so it would hang if a JVM inherited them.
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

function listen(port: number): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}

/** Three distinct ports nothing listens on right now (held together so they differ). */
async function freePorts(): Promise<Ports> {
  const servers = await Promise.all([listen(0), listen(0), listen(0)]);
  const [kafka, controller, registry] = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  }) as [number, number, number];
  await Promise.all(servers.map(close));
  return { kafka, controller, registry };
}

async function portIsFree(port: number): Promise<boolean> {
  try {
    await close(await listen(port));
    return true;
  } catch {
    return false;
  }
}

/** Alive and not a zombie (a zombie still answers signal 0 but runs nothing). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of JVMs started for <dir>: the script marks its processes with -Dshadow.stack.dir=<dir>. */
async function processesOf(dir: string): Promise<number[]> {
  const ps = await new Promise<string>((done, fail) => {
    const child = spawn('ps', ['-ww', '-eo', 'pid=,args='], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', fail);
    child.on('close', () => done(out));
  });
  return ps
    .split('\n')
    .filter((line) => `${line} `.includes(` -Dshadow.stack.dir=${dir} `))
    .map((line) => Number.parseInt(line.trim(), 10));
}

async function readPid(stack: TestStack, component: 'kafka' | 'registry'): Promise<number> {
  return Number.parseInt((await readFile(join(stack.dir, 'run', `${component}.pid`), 'utf8')).trim(), 10);
}

async function newStack(): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'stack-test-'));
  const ports = await freePorts();
  const env = {
    STACK_DIR: dir,
    STACK_INSTALL_DIR: installDir,
    KAFKA_PORT: String(ports.kafka),
    KAFKA_CONTROLLER_PORT: String(ports.controller),
    REGISTRY_PORT: String(ports.registry),
  };
  const stack: TestStack = { dir, ports, run: (...args) => runScript(args, env) };
  created.push(stack);
  return stack;
}

function expectOk(run: Run): void {
  expect(run.code, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
}

beforeAll(async () => {
  installDir = join(await mkdtemp(join(tmpdir(), 'stack-test-install-')), 'install');
  const install = await runScript(['install'], { STACK_DIR: join(installDir, '..', 'state'), STACK_INSTALL_DIR: installDir });
  expectOk(install);
}, 600_000);

afterEach(async () => {
  // Whatever a test did or failed to do, its JVMs must not outlive it.
  for (const stack of created.splice(0)) {
    await stack.run('down');
    await rm(stack.dir, { recursive: true, force: true });
  }
}, 120_000);

afterAll(async () => {
  if (installDir !== '') await rm(join(installDir, '..'), { recursive: true, force: true });
});

describe('infra/local/stack', () => {
  it('up twice is harmless: the second call reuses the same processes and writes the same env file', async () => {
    const stack = await newStack();
    const { kafka, registry } = stack.ports;

    expectOk(await stack.run('up'));
    const env = await readFile(join(stack.dir, 'env'), 'utf8');
    expect(env).toBe(
      `KAFKA_BROKERS=127.0.0.1:${kafka}\n` +
        `SCHEMA_REGISTRY_URL=http://127.0.0.1:${registry}/apis/ccompat/v7\n` +
        `CHDB_PATH=${join(stack.dir, 'data', 'chdb')}\n`,
    );
    expect(existsSync(join(stack.dir, 'data', 'chdb'))).toBe(true);
    const pids = { kafka: await readPid(stack, 'kafka'), registry: await readPid(stack, 'registry') };
    // Confluent's default, which Apicurio does not have out of the box.
    const config = await fetch(`http://127.0.0.1:${registry}/apis/ccompat/v7/config`);
    expect(await config.json()).toEqual({ compatibilityLevel: 'BACKWARD' });

    const again = await stack.run('up');
    expectOk(again);
    expect(again.stdout).toMatch(/^kafka .*reused/m);
    expect(again.stdout).toMatch(/^registry .*reused/m);
    expect({ kafka: await readPid(stack, 'kafka'), registry: await readPid(stack, 'registry') }).toEqual(pids);
    expect(await readFile(join(stack.dir, 'env'), 'utf8')).toBe(env);
    expect((await processesOf(stack.dir)).sort()).toEqual([pids.kafka, pids.registry].sort());
  }, 240_000);

  it('status exit code follows reality, and down leaves no process behind', async () => {
    const stack = await newStack();

    const before = await stack.run('status');
    expect(before.code).toBe(3);
    expect(before.stdout).toMatch(/^kafka +stopped/m);

    expectOk(await stack.run('up'));
    const pids = { kafka: await readPid(stack, 'kafka'), registry: await readPid(stack, 'registry') };
    const up = await stack.run('status');
    expectOk(up);
    expect(up.stdout).toMatch(new RegExp(`^kafka +running +pid ${pids.kafka} +port ${stack.ports.kafka}/`, 'm'));
    expect(up.stdout).toMatch(new RegExp(`^registry +running +pid ${pids.registry} +port ${stack.ports.registry}`, 'm'));

    // A frozen registry still has a pid but does not answer: that is not "up".
    process.kill(pids.registry, 'SIGSTOP');
    try {
      const frozen = await stack.run('status');
      expect(frozen.code).toBe(3);
      expect(frozen.stdout).toMatch(/^registry +running \(not answering\)/m);
      expect(frozen.stdout).toMatch(/^kafka +running +pid/m);
    } finally {
      process.kill(pids.registry, 'SIGCONT');
    }

    const down = await stack.run('down');
    expectOk(down);
    expect(isAlive(pids.kafka)).toBe(false);
    expect(isAlive(pids.registry)).toBe(false);
    expect(await processesOf(stack.dir)).toEqual([]);
    for (const port of Object.values(stack.ports)) expect(await portIsFree(port)).toBe(true);
    expect(existsSync(join(stack.dir, 'run', 'kafka.pid'))).toBe(false);
    expect(existsSync(join(stack.dir, 'run', 'registry.pid'))).toBe(false);
    expect(existsSync(join(stack.dir, 'env'))).toBe(false);

    const after = await stack.run('status');
    expect(after.code).toBe(3);
    expect(after.stdout).toMatch(/^kafka +stopped/m);
    expect(after.stdout).toMatch(/^registry +stopped/m);
  }, 240_000);

  it('a busy KAFKA_PORT fails fast with a message naming the port, and starts nothing', async () => {
    const stack = await newStack();
    const squatter = await listen(stack.ports.kafka);
    try {
      const run = await stack.run('up');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`port ${stack.ports.kafka} (KAFKA_PORT) is already in use`);
      // Bounded, not hung: the check runs before anything is started or installed.
      expect(run.ms).toBeLessThan(20_000);
    } finally {
      await close(squatter);
    }
    expect(await processesOf(stack.dir)).toEqual([]);
    expect(existsSync(join(stack.dir, 'env'))).toBe(false);
    expect(existsSync(join(stack.dir, 'run', 'kafka.pid'))).toBe(false);
  }, 60_000);
});
