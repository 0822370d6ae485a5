// Regression: the sandbox matched rules on the raw path and forwarded a normalised one, so a
// `block` rule on /api/v1/private/** was bypassed by /__dep/api/x/../private/secret (and %2e%2e).
// A real upstream HTTP server records every request target it receives; requests are written on a
// raw socket so that no client normalises them first. For every encoding class, through
// /__dep/<name>/ and as a proxy (absolute-form, and plain HTTP inside a CONNECT tunnel): a blocked
// path reaches the upstream zero times, an ambiguous one is refused 400 with the reason, and an
// allowed one arrives exactly as the rules matched it (the SideEffect's path).
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startPayments, startSandbox, until, type ReceivedRequest, type Rig } from './support/servers.js';

const CHALLENGER = 'candidate';
const BASE = '/api/v1';

interface RawAnswer {
  status: number;
  body: string;
}

function readAnswer(socket: Socket): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const text = data.toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body: rest.join('\r\n\r\n') });
    });
  });
}

/** Writes `GET <target> HTTP/1.1` byte for byte (latin1) and reads the answer until the sandbox closes. */
async function rawGet(port: number, target: string, exchangeId: string): Promise<RawAnswer> {
  const socket = connect(port, '127.0.0.1');
  const answer = readAnswer(socket);
  socket.write(Buffer.from(`GET ${target} HTTP/1.1\r\nhost: dependency\r\nx-shadow-exchange-id: ${exchangeId}\r\nconnection: close\r\n\r\n`, 'latin1'));
  return answer;
}

/** CONNECT host:port, then an origin-form GET inside the tunnel (what undici's ProxyAgent does for http:). */
async function tunnelGet(port: number, upstreamPort: number, target: string, exchangeId: string): Promise<RawAnswer> {
  const socket = connect(port, '127.0.0.1');
  socket.write(`CONNECT 127.0.0.1:${upstreamPort} HTTP/1.1\r\nhost: 127.0.0.1:${upstreamPort}\r\n\r\n`);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('latin1');
      if (!seen.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (seen.startsWith('HTTP/1.1 200')) resolve();
      else reject(new Error(`CONNECT refused: ${seen}`));
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
  const answer = readAnswer(socket);
  socket.write(
    Buffer.from(`GET ${target} HTTP/1.1\r\nhost: 127.0.0.1:${upstreamPort}\r\nx-shadow-exchange-id: ${exchangeId}\r\nconnection: close\r\n\r\n`, 'latin1'),
  );
  return answer;
}

type Mode = 'dependency' | 'proxy' | 'tunnel';

/** How each mode spells a path of the dependency: `tail` is what follows the dependency's base path. */
function send(mode: Mode, sandboxPort: number, upstreamPort: number, tail: string, exchangeId: string): Promise<RawAnswer> {
  if (mode === 'dependency') return rawGet(sandboxPort, `/__dep/api${tail}`, exchangeId);
  if (mode === 'proxy') return rawGet(sandboxPort, `http://127.0.0.1:${upstreamPort}${BASE}${tail}`, exchangeId);
  return tunnelGet(sandboxPort, upstreamPort, `${BASE}${tail}`, exchangeId);
}

// Every spelling of /api/v1/private/secret that servers normalise back to it: blocked by the rule.
const BLOCKED: [string, string][] = [
  ['plain', '/private/secret'],
  ['dot segments', '/x/../private/secret'],
  ['single dots', '/./private/./secret'],
  ['encoded dots, lower case', '/x/%2e%2e/private/secret'],
  ['encoded dots, upper case', '/x/%2E%2E/private/secret'],
  ['half-encoded dots', '/x/.%2E/private/secret'],
  ['double slashes', '//private//secret'],
  ['encoded unreserved letters', '/%70%72%69vate/secret'],
  ['dots in the middle', '/private/x/../secret'],
];

// Spellings upstream servers disagree on: refused with 400 before any rule, never forwarded.
const REFUSED: [string, string, RegExp][] = [
  ['encoded slash after dots', '/x/..%2fprivate/secret', /encoded slash/],
  ['encoded slash', '/private%2Fsecret', /encoded slash/],
  ['backslashes', '/x\\..\\private\\secret', /backslash/],
  ['encoded backslash', '/x/..%5cprivate/secret', /encoded backslash/],
  ['path parameter', '/private;jsessionid=1/secret', /path parameter/],
  ['dot-dot path parameter', '/x/..;/private/secret', /path parameter/],
  ['encoded fullwidth dots', '/x/%EF%BC%8E%EF%BC%8E/private/secret', /compatibility normalisation/],
  ['encoded fullwidth letter', '/%EF%BD%90rivate/secret', /compatibility normalisation/],
  ['overlong UTF-8 dots', '/x/%c0%ae%c0%ae/private/secret', /overlong UTF-8/],
  ['overlong UTF-8 slash', '/x/..%c0%afprivate/secret', /overlong UTF-8/],
  ['double-encoded dots', '/x/%252e%252e/private/secret', /double encoding/],
  ['encoded NUL', '/private%00/secret', /encoded NUL/],
  ['invalid percent-encoding', '/private/%zz', /invalid percent-encoding/],
  ['climbing out of the base path', '/..', /climbs above the dependency's base path \/api\/v1/],
  ['climbing far out of the base path', '/x/../../../admin', /climbs above the dependency's base path/],
];

// Allowed reads: forwarded, and the upstream receives exactly the canonical target the rules saw.
const ALLOWED: [string, string, string][] = [
  ['plain', '/public/item?x=1', '/api/v1/public/item?x=1'],
  ['dot segments', '/public/a/../b', '/api/v1/public/b'],
  ['double slashes', '/public//c', '/api/v1/public/c'],
  ['encoded unreserved', '/public/%7euser', '/api/v1/public/~user'],
  ['other escapes upper-cased', '/public/a%2ab%20c', '/api/v1/public/a%2Ab%20c'],
  ['query kept as sent', '/public/q?next=/../private&e=%2f', '/api/v1/public/q?next=/../private&e=%2f'],
  ['encoded UTF-8', '/public/caf%c3%a9', '/api/v1/public/caf%C3%A9'],
];

async function rig(): Promise<{ upstream: AsyncDisposable & { port: number; received: ReceivedRequest[] }; sandbox: Rig; port: number }> {
  const upstream = await startPayments();
  const sandbox = await startSandbox({
    dependencies: { api: `http://127.0.0.1:${upstream.port}${BASE}` },
    rules: [
      { dependency: 'api', path: `${BASE}/private/**`, action: 'block' },
      { dependency: 'api', path: `${BASE}/public/**`, methods: ['GET'], action: 'forward' },
    ],
    smtp: false,
  });
  return { upstream, sandbox, port: Number(new URL(sandbox.sandbox.endpoints(CHALLENGER).httpProxyUrl).port) };
}

for (const mode of ['dependency', 'proxy', 'tunnel'] as const) {
  describe(`sandbox paths via ${mode}: the rules judge exactly what would be forwarded`, () => {
    it('every spelling of a blocked path is blocked; the upstream receives nothing', async () => {
      const { upstream, sandbox, port } = await rig();
      await using _u = upstream;
      await using _s = sandbox;
      const exchangeId = randomUUID();
      sandbox.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });
      for (const [what, tail] of BLOCKED) {
        const answer = await send(mode, port, upstream.port, tail, exchangeId);
        expect(answer.status, what).toBe(503);
        expect(answer.body, what).toContain('blocked by rule rules[0]');
      }
      await until(() => sandbox.effects.length === BLOCKED.length, 'a side effect per call');
      expect(upstream.received).toEqual([]);
      expect(sandbox.effects.map((e) => [e.path, e.disposition])).toEqual(BLOCKED.map(() => [`${BASE}/private/secret`, 'blocked']));
    });

    it('ambiguous spellings are refused with a 400 naming the reason; the upstream receives nothing', async () => {
      const { upstream, sandbox, port } = await rig();
      await using _u = upstream;
      await using _s = sandbox;
      const exchangeId = randomUUID();
      sandbox.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });
      for (const [what, tail, reason] of REFUSED) {
        const answer = await send(mode, port, upstream.port, tail, exchangeId);
        expect(answer.status, what).toBe(400);
        const error = (JSON.parse(answer.body) as { error: string }).error;
        expect(error, what).toMatch(/^shadow sandbox: request target refused: /);
        expect(error, what).toMatch(reason);
      }
      await until(() => sandbox.effects.length === REFUSED.length, 'a side effect per call');
      expect(upstream.received).toEqual([]);
      expect(sandbox.effects.every((e) => e.disposition === 'blocked' && e.responseStatus === 400 && e.mocked)).toBe(true);
      expect(sandbox.sandbox.stats().reads.blocked).toBe(REFUSED.length);
    });

    it('allowed paths arrive upstream exactly as the rules matched them', async () => {
      const { upstream, sandbox, port } = await rig();
      await using _u = upstream;
      await using _s = sandbox;
      const exchangeId = randomUUID();
      sandbox.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });
      for (const [what, tail] of ALLOWED) {
        const answer = await send(mode, port, upstream.port, tail, exchangeId);
        expect(answer.status, what).toBe(200);
      }
      await until(() => sandbox.effects.length === ALLOWED.length, 'a side effect per call');
      expect(upstream.received.map((r) => r.url)).toEqual(ALLOWED.map(([, , canonical]) => canonical));
      expect(sandbox.effects.map((e) => [e.path, e.disposition])).toEqual(ALLOWED.map(([, , canonical]) => [canonical, 'forwarded']));
    });
  });
}

describe('sandbox paths as a proxy: hosts and the root', () => {
  it('a host spelled another way is the same dependency (its rules apply); dot segments cannot climb above the root', async () => {
    const { upstream, sandbox, port } = await rig();
    await using _u = upstream;
    await using _s = sandbox;
    const exchangeId = randomUUID();
    sandbox.sandbox.expect({ exchangeId, challengerId: CHALLENGER, attempt: 1, runId: null, recorded: [] });
    const shorthand = await rawGet(port, `http://127.1:${upstream.port}${BASE}/x/%2e%2e/private/secret`, exchangeId);
    const upper = await rawGet(port, `HTTP://127.0.0.1:${upstream.port}${BASE}/private/secret`, exchangeId);
    const root = await rawGet(port, `http://127.0.0.1:${upstream.port}/../${BASE}/private/secret`, exchangeId);
    const credentials = await rawGet(port, `http://user@127.0.0.1:${upstream.port}${BASE}/public/x`, exchangeId);
    const trailingDot = await rawGet(port, `http://localhost.:${upstream.port}${BASE}/public/x`, exchangeId);
    expect([shorthand.status, upper.status]).toEqual([503, 503]);
    expect(root.status).toBe(400);
    expect(root.body).toContain('climbs above the root');
    expect(credentials.status).toBe(400);
    expect(credentials.body).toContain('credentials');
    expect(trailingDot.status).toBe(400);
    await until(() => sandbox.effects.length === 5, 'a side effect per call');
    expect(upstream.received).toEqual([]);
    expect(sandbox.effects.slice(0, 2).map((e) => [e.target, e.path])).toEqual([
      [`127.0.0.1:${upstream.port}`, `${BASE}/private/secret`],
      [`127.0.0.1:${upstream.port}`, `${BASE}/private/secret`],
    ]);
  });
});
