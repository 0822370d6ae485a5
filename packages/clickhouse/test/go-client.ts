// Runs queries through clickhouse-go v2 over HTTP, the driver inside Grafana's ClickHouse data
// source, with a small Go program (test/go-client/main.go, modules pinned by its go.sum and fetched
// from the Go module proxy on first use). A machine without Go fails here saying so, never skips.
import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = join(import.meta.dirname, 'go-client');
const BINARY = join(process.env.SHADOW_GO_CLIENT_CACHE ?? join(homedir(), '.cache', 'shadow'), 'clickhouse-go-client');

let built: Promise<string> | undefined;

function binary(): Promise<string> {
  built ??= (async () => {
    try {
      await run('go', ['version']);
    } catch (err) {
      throw new Error(`The clickhouse-go (Grafana driver) compatibility test needs Go 1.26+ on PATH: ${(err as Error).message}`, { cause: err });
    }
    await run('go', ['build', '-o', BINARY, '.'], { cwd: HERE, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
    return BINARY;
  })();
  return built;
}

/** Runs `sql` through clickhouse-go against `hostPort`; each row as an object. Rejects with the driver's error. */
export async function goClientQuery(hostPort: string, database: string, sql: string, credentials: string[] = []): Promise<Record<string, unknown>[]> {
  const client = await binary();
  try {
    const { stdout } = await run(client, [hostPort, database, sql, ...credentials], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim() === ''
      ? []
      : stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as Record<string, unknown>);
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`clickhouse-go query failed: ${stderr ?? (err as Error).message}`, { cause: err });
  }
}
