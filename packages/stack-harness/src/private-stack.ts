// A throw-away copy of the local stack (Kafka + registry) for tests and benchmarks that stop and
// start Kafka or load it hard: the shared stack other test files and engineers use is never touched.
//
// Why it is built this way:
// - It drives the same `infra/local/stack` script as the shared stack, with its own STACK_DIR and
//   ports, so it behaves exactly like what `npm test` runs.
// - Ports are picked by binding port 0 and releasing it: another process can take one in between;
//   the script then refuses to start (it checks every port first) and we retry with fresh ports.
// - Downloads go to a separate install directory (default `<repo>/.stack/private-install`), not
//   the shared stack's `.stack/install`: a re-install (pom.xml changed) replaces its directory, and
//   the script only protects JVMs of its own STACK_DIR, so sharing it could pull the jars from under
//   a running shared stack.
// - stopKafka() only signals a pid whose command line carries this STACK_DIR's marker, like the
//   script itself, so a stale pid file cannot make us kill someone else's process.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HarnessError } from './errors.js';
import { readLocalStackEnv } from './local.js';
import type { StackEndpoints } from './types.js';

const run = promisify(execFile);

export interface PrivateStackOptions {
  /** The repository root (holds `infra/local/stack`). */
  repoRoot: string;
  /**
   * Where the Kafka and registry jars are unpacked; shared by all private stacks.
   * @default `<repoRoot>/.stack/private-install`
   */
  installDir?: string | undefined;
  /**
   * Seconds `stack up` waits for each component to answer (STACK_UP_TIMEOUT).
   * @default 120
   */
  upTimeoutS?: number | undefined;
  /**
   * Bound on stopKafka(): after this long since SIGTERM the broker gets SIGKILL.
   * @default 30000
   */
  stopTimeoutMs?: number | undefined;
}

export interface PrivateStack {
  readonly endpoints: StackEndpoints;
  /** The private STACK_DIR (logs in `logs/`, pid files in `run/`). */
  readonly stackDir: string;
  /** The ports this stack listens on. */
  readonly ports: { readonly kafka: number; readonly kafkaController: number; readonly registry: number };
  /**
   * Stops the broker (SIGTERM; SIGKILL after `stopTimeoutMs`) and resolves once its process has
   * exited and its client port refuses connections. The registry keeps running.
   */
  stopKafka(): Promise<void>;
  /**
   * Starts the broker again on the same ports and data (re-runs `stack up`). The script restarts
   * the registry as well, because the registry is a Kafka client; schema ids survive (they are
   * stored in Kafka). Resolves once both answer.
   */
  startKafka(): Promise<void>;
  /** Stops everything, deletes the data and the STACK_DIR. Idempotent; never throws. */
  down(): Promise<void>;
}

async function freePort(): Promise<{ port: number; release: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Three distinct free ports: all are held until the last is picked, then released together. */
async function threeFreePorts(): Promise<[number, number, number]> {
  const held = [await freePort(), await freePort(), await freePort()];
  await Promise.all(held.map((h) => h.release()));
  return [held[0]!.port, held[1]!.port, held[2]!.port];
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True while `pid` is a process whose command line carries `marker`. */
function isOurs(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a private local stack (Kafka + registry on fresh loopback ports, in a fresh temp
 * STACK_DIR) and returns its endpoints and controls. Call `down()` when done: the JVMs run detached
 * and outlive the caller otherwise (like the shared stack).
 */
export async function startPrivateStack(options: PrivateStackOptions): Promise<PrivateStack> {
  const script = join(options.repoRoot, 'infra', 'local', 'stack');
  const installDir = options.installDir ?? join(options.repoRoot, '.stack', 'private-install');
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const dir = mkdtempSync(join(tmpdir(), 'shadow-stack-'));
  const marker = `-Dshadow.stack.dir=${dir}`;
  let env: Record<string, string> = {};
  let ports = { kafka: 0, kafkaController: 0, registry: 0 };

  const stack = async (args: string[], timeoutMs: number): Promise<void> => {
    try {
      await run('bash', [script, ...args], {
        cwd: options.repoRoot,
        env: { ...process.env, ...env },
        maxBuffer: 16 * 1024 * 1024,
        timeout: timeoutMs,
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      throw new HarnessError(
        'HARNESS_LOCAL_STACK_FAILED',
        `infra/local/stack ${args.join(' ')} (STACK_DIR=${dir}) failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`,
        { cause: err },
      );
    }
  };
  const upTimeoutS = options.upTimeoutS ?? 120;
  // Install (first run only), Kafka start, registry start: each bounded by the script itself.
  const up = (): Promise<void> => stack(['up'], (3 * upTimeoutS + 15 * 60) * 1_000);

  let downing: Promise<void> | undefined;
  const down = (): Promise<void> => {
    downing ??= (async () => {
      try {
        await stack(['down', '--purge'], 120_000);
      } catch {
        // Best effort: the directory goes anyway; a process left behind names it in its command line.
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return downing;
  };

  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const [kafka, kafkaController, registry] = await threeFreePorts();
    ports = { kafka, kafkaController, registry };
    env = {
      STACK_DIR: dir,
      STACK_INSTALL_DIR: installDir,
      STACK_UP_TIMEOUT: String(upTimeoutS),
      KAFKA_PORT: String(kafka),
      KAFKA_CONTROLLER_PORT: String(kafkaController),
      REGISTRY_PORT: String(registry),
    };
    try {
      await up();
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
      // Only a port taken between our pick and the script's check is worth another try.
      if (!(err instanceof Error && /already in use/.test(err.message))) break;
    }
  }
  if (lastError !== undefined) {
    await down();
    throw lastError;
  }
  const endpoints = readLocalStackEnv(dir);
  if (endpoints === undefined) {
    await down();
    throw new HarnessError('HARNESS_LOCAL_STACK_FAILED', `infra/local/stack up succeeded but wrote no env file in ${dir}`);
  }

  const stopKafka = async (): Promise<void> => {
    const pidFile = join(dir, 'run', 'kafka.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : Number.NaN;
    if (Number.isInteger(pid) && pid > 0 && isOurs(pid, marker)) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + stopTimeoutMs;
      let killed = false;
      while (isAlive(pid)) {
        if (!killed && Date.now() > deadline) {
          process.kill(pid, 'SIGKILL');
          killed = true;
        }
        if (Date.now() > deadline + 10_000) {
          throw new HarnessError('HARNESS_LOCAL_STACK_FAILED', `kafka (pid ${pid}, STACK_DIR=${dir}) survived SIGKILL`);
        }
        await sleep(100);
      }
    }
    // The process is gone; a listener on the port would be someone else's, which is worth knowing.
    if (await portAccepts(ports.kafka)) {
      throw new HarnessError('HARNESS_LOCAL_STACK_FAILED', `kafka stopped, but 127.0.0.1:${ports.kafka} still accepts connections (STACK_DIR=${dir})`);
    }
  };

  return {
    endpoints,
    stackDir: dir,
    ports,
    stopKafka,
    startKafka: up,
    down,
  };
}
