// TEST TOOLING ONLY: ClickHouse's HTTP interface (read and write) over the embedded chDB engine of
// this process, so several joiner PROCESSES can land in one store, as they do in a deployment against
// a ClickHouse server. None is installable here (no Docker, no package), and chDB runs one engine per
// process, so a process must own it and serve the others. The product's own endpoint
// (createQueryEndpoint) is read-only by design and stays so; this one passes the SQL it receives
// to the engine unchecked, which is acceptable only because it listens on loopback for the duration
// of one test and only the test's child processes know its port.
//
// It speaks what @clickhouse/client sends: `GET /ping`; `POST /?query=INSERT ... FORMAT X` with the
// rows as the body (insert); `POST /` with the SQL as the body (query, command, exec); settings as
// URL parameters; `param_<name>` as query parameters; errors as a server reports them (status 500,
// `Code: N. DB::Exception: ...` body, X-ClickHouse-Exception-Code).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClickHouse } from '@shadow/clickhouse';
import type { ClickHouse } from '@shadow/clickhouse';

/** URL parameters that are not ClickHouse settings. */
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'session_id', 'session_timeout', 'session_check', 'user', 'password', 'role']);

export interface ClickHouseHttp {
  readonly url: string;
  readonly ch: ClickHouse;
  /** Requests answered, by kind, so a test can show the writes went through here. */
  readonly counts: { inserts: number; queries: number; errors: number };
  close(): Promise<void>;
}

export async function serveClickHouseHttp(options: { path: string; database: string }): Promise<ClickHouseHttp> {
  const ch = await createClickHouse({ mode: 'embedded', path: options.path, database: options.database });
  const counts = { inserts: 0, queries: 0, errors: 0 };
  let queue: Promise<void> = Promise.resolve();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/ping' || (req.method === 'GET' && url.pathname === '/' && !url.searchParams.has('query'))) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('Ok.\n');
        return;
      }
      const database = url.searchParams.get('database');
      if (database !== null && database !== 'default' && database !== options.database) {
        const message = `Code: 81. DB::Exception: Database ${database} does not exist; this stand-in serves ${options.database} only. (UNKNOWN_DATABASE)`;
        counts.errors++;
        res.writeHead(404, { 'x-clickhouse-exception-code': '81', 'content-type': 'text/plain' }).end(message);
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const inline = url.searchParams.get('query');
      const query = inline === null ? body : body === '' ? inline : `${inline}\n${body}`;
      const settings: Record<string, string> = {};
      const params: Record<string, string> = {};
      for (const [k, v] of url.searchParams) {
        if (k.startsWith('param_')) params[k.slice('param_'.length)] = v;
        else if (!NOT_SETTINGS.has(k)) settings[k] = v;
      }
      if (inline !== null && body !== '') counts.inserts++;
      else counts.queries++;
      const run = (): Promise<void> =>
        ch.client.exec({ query, clickhouse_settings: settings, query_params: params }).then(async ({ stream, query_id }) => {
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-query-id': query_id }).end(Buffer.concat(chunks));
        });
      // One statement at a time: every request shares one chDB session, whose SET statements (the
      // settings of each request) and results must not interleave with another request's.
      const turn = queue.then(run);
      queue = turn.catch(() => undefined);
      turn.catch((error: unknown) => {
        counts.errors++;
        // @clickhouse/client parsed chDB's text into code, type and message: put it back as a server writes it.
        const e = error as { code?: unknown; type?: unknown; message?: unknown };
        const code = typeof e.code === 'string' && /^\d+$/.test(e.code) ? e.code : '1001';
        const type = typeof e.type === 'string' ? e.type : 'STD_EXCEPTION';
        const message = `Code: ${code}. DB::Exception: ${String(e.message ?? error)} (${type})`;
        if (!res.headersSent) res.writeHead(500, { 'x-clickhouse-exception-code': String(code), 'content-type': 'text/plain' });
        res.end(message);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ch,
    counts,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ch.close();
    },
  };
}
