// Runs queries through the real ClickHouse JDBC driver (com.clickhouse:clickhouse-jdbc from Maven
// Central) with a one-file Java program (test/jdbc/Query.java, compiled once), so the endpoint is proven against a client nobody here
// wrote. Maven fetches the driver once into a cache directory (and ~/.m2); a machine without Maven
// or Java fails here with a message saying so, never silently skips.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = join(import.meta.dirname, 'jdbc');
const CACHE = process.env.SHADOW_JDBC_CACHE ?? join(homedir(), '.cache', 'shadow', 'clickhouse-jdbc-0.10.0');

async function requireTool(tool: string, args: string[]): Promise<void> {
  try {
    await run(tool, args);
  } catch (err) {
    throw new Error(`The JDBC compatibility test needs ${tool} on PATH (Maven and a Java 17+ JDK; CI installs both): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

let jars: Promise<string> | undefined;

/** The driver's class path, fetching it with Maven the first time. */
export function jdbcClassPath(): Promise<string> {
  jars ??= (async () => {
    const lib = join(CACHE, 'lib');
    if (!existsSync(lib) || !readdirSync(lib).some((f) => f.startsWith('jdbc-v2-'))) {
      await requireTool('mvn', ['-v']);
      await run('mvn', ['-q', '-B', '-f', join(HERE, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`], {
        maxBuffer: 16 * 1024 * 1024,
      });
    }
    await requireTool('java', ['-version']);
    await requireTool('javac', ['-version']);
    // Compiled once: the single-file launcher would compile Query.java again on every call.
    const classes = join(CACHE, 'classes');
    await run('javac', ['-cp', join(lib, '*'), '-d', classes, join(HERE, 'Query.java')]);
    return `${classes}${delimiter}${join(lib, '*')}`;
  })();
  return jars;
}

export interface JdbcResult {
  readonly columns: string[];
  readonly rows: string[][];
}

/** Runs `sql` through the JDBC driver against `jdbcUrl`; rejects with the driver's error text. */
export async function jdbcQuery(jdbcUrl: string, sql: string, credentials: string[] = []): Promise<JdbcResult> {
  const classPath = await jdbcClassPath();
  try {
    const { stdout } = await run('java', ['-cp', classPath, 'Query', jdbcUrl, sql, ...credentials], {
      timeout: 90_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [header = '#', ...lines] = stdout.trimEnd().split('\n');
    return { columns: header.slice(1).split('\t'), rows: lines.map((line) => line.split('\t')) };
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`JDBC query failed: ${stderr ?? (err as Error).message}`, { cause: err });
  }
}
