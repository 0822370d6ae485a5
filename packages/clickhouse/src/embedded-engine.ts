// chDB runs one ClickHouse engine per process, bound to one data directory: connections on that
// directory share the engine, and opening another directory while any connection is open fails
// deep inside chDB with a generic connection error. This module is the one place that tracks the
// bound directory, so a second embedded client on the same path shares the engine (reference
// counted, released when its connection closes) and a different path is refused up front with
// CH_EMBEDDED_PATH_CONFLICT. The count lives on globalThis because two copies of this module can load
// in one process (src through the @shadow/source condition, and dist) and both talk to the same chDB.
//
// chDB is imported lazily: server mode must work where its native library (~540 MB, Linux and macOS
// only) is missing.
import type * as chdbConnection from 'chdb/connection';
import { ClickHouseError, toClickHouseError } from './errors.js';

interface EngineBinding {
  readonly path: string;
  refs: number;
}

interface EngineRegistry {
  binding: EngineBinding | undefined;
}

const REGISTRY = Symbol.for('@shadow/clickhouse:embedded-engine');

function registry(): EngineRegistry {
  const holder = globalThis as { [REGISTRY]?: EngineRegistry };
  holder[REGISTRY] ??= { binding: undefined };
  return holder[REGISTRY];
}

/** The data directory the process's chDB engine is bound to through this package, if any. */
export function embeddedEnginePath(): string | undefined {
  return registry().binding?.path;
}

/** Claims the process's engine for `path`; the returned function releases the claim (idempotent). */
function acquireEngine(path: string): () => void {
  const reg = registry();
  const bound = reg.binding;
  if (bound && bound.path !== path) {
    throw new ClickHouseError(
      'CH_EMBEDDED_PATH_CONFLICT',
      `chDB runs one engine per process and it is open on ${bound.path} (${bound.refs} open client(s)); ` +
        `cannot open ${path} too. Give every embedded client in this process the same path (CHDB_PATH), ` +
        'close the open clients first, or use another process.',
    );
  }
  const binding = bound ?? { path, refs: 0 };
  reg.binding = binding;
  binding.refs += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    binding.refs -= 1;
    if (binding.refs === 0 && reg.binding === binding) reg.binding = undefined;
  };
}

type ChdbModule = typeof chdbConnection;

// A ChdbConnection that gives its claim on the engine back when @clickhouse/client closes it, so
// `client.close()` and the handle's `close()` both keep the count right.
function refCountedConnectionClass(chdb: ChdbModule) {
  return class RefCountedChdbConnection extends chdb.ChdbConnection {
    readonly #release: () => void;
    constructor(path: string, release: () => void) {
      super({ path });
      this.#release = release;
    }
    override async close(): Promise<void> {
      try {
        await super.close();
      } finally {
        this.#release();
      }
    }
  };
}

type RefCountedConnectionClass = ReturnType<typeof refCountedConnectionClass>;
export type EmbeddedConnection = InstanceType<RefCountedConnectionClass>;

let connectionClass: Promise<RefCountedConnectionClass> | undefined;

function loadConnectionClass(): Promise<RefCountedConnectionClass> {
  connectionClass ??= import('chdb/connection').then(refCountedConnectionClass, (err: unknown) => {
    connectionClass = undefined;
    const reason = err instanceof Error ? err.message : String(err);
    throw new ClickHouseError(
      'CH_EMBEDDED_UNAVAILABLE',
      `chDB could not be loaded on ${process.platform}-${process.arch} (${reason}). ` +
        'Embedded mode needs the chdb package and its native library; use mode "server" (CLICKHOUSE_URL) instead.',
      { cause: err },
    );
  });
  return connectionClass;
}

/** Opens a chDB connection on `path` (absolute or ':memory:'), sharing the engine with open ones. */
export async function openEmbeddedConnection(path: string): Promise<EmbeddedConnection> {
  const Connection = await loadConnectionClass();
  const release = acquireEngine(path);
  try {
    return new Connection(path, release);
  } catch (err) {
    release();
    throw toClickHouseError(err);
  }
}
