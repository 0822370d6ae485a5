// Live shadowing on the real broker and registry against real HTTP challengers: one result per
// exchange per challenger, failures recorded as results while the replay goes on, requests reach
// only the configured base URLs, undecodable records go to the dead-letter topic.
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shadowResultContract, RecordSerde, subjectFor, LIVE_ORIGIN } from '@shadow/contracts';
import type { SideEffect } from '@shadow/contracts';
import { DEAD_LETTER_HEADERS, LiveShadow } from '@shadow/replay';
import type { Env, TestServer } from './support/kit.js';
import { decodeResults, decodeSideEffects, echo, exchange, produceExchanges, readTopic, setupTopics, silent, startServer } from './support/kit.js';

describe('live shadowing', () => {
  let env: Env;
  let env2: Env;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    env = await setupTopics('replay-live');
    env2 = await setupTopics('replay-faults');
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await env?.cleanup();
    await env2?.cleanup();
  });

  it('replays every exchange to both challengers, only to their base URLs, and dead-letters bad records', async () => {
    const candidate = await startServer(echo);
    const secondary = await startServer(echo);
    const elsewhere = await startServer(echo);
    servers.push(candidate, secondary, elsewhere);
    const elsewhereHost = new URL(elsewhere.url).host;
    const exchanges = Array.from({ length: 40 }, (_, i) =>
      exchange({
        method: i % 2 === 0 ? 'GET' : 'POST',
        path: i % 5 === 0 ? `${elsewhere.url}/abs/${i}` : `/items/${i}`,
        query: `n=${i}`,
        requestHeaders: { host: [elsewhereHost], 'x-forwarded-host': [elsewhereHost], authorization: ['[REDACTED]'], 'x-n': [String(i)] },
        requestBody: i % 2 === 0 ? Buffer.alloc(0) : Buffer.from(`{"n":${i}}`),
        requestBodySize: i % 2 === 0 ? 0 : String(i).length + 6,
      }),
    );
    // Bad records: wrong magic byte, unknown schema id, truncated Avro, a ShadowResult on the exchanges topic.
    const good = await (async () => {
      const { capturedExchangeContract } = await import('@shadow/contracts');
      const serde = new RecordSerde({ registry: env.registry, contract: capturedExchangeContract, subject: subjectFor(env.names.exchanges) });
      return serde.encode(exchange());
    })();
    const resultSerde = new RecordSerde({ registry: env.registry, contract: shadowResultContract, subject: subjectFor(env.names.results) });
    const wrongContract = await resultSerde.encode({
      exchangeId: 'x',
      challengerId: 'c',
      challengerName: '',
      attempt: 1,
      replayTimeMs: 0,
      responseStatus: 200,
      responseHeaders: {},
      responseBody: Buffer.alloc(0),
      responseBodyTruncated: false,
      responseBodySize: 0,
      responseContentType: null,
      latencyUs: 0,
      errorKind: null,
      errorMessage: null,
      replayerVersion: '',
      challengerRole: 'candidate',
      runId: null,
    });
    const unknownId = Buffer.from(good);
    unknownId.writeUInt32BE(987_654_321, 1);
    const bad = [
      { key: 'bad-magic', value: Buffer.concat([Buffer.from([7]), good.subarray(1)]) },
      { key: 'bad-id', value: unknownId },
      { key: 'bad-truncated', value: good.subarray(0, 12) },
      { key: 'bad-contract', value: wrongContract },
    ];
    await produceExchanges(env, exchanges.slice(0, 20), bad);
    await produceExchanges(env, exchanges.slice(20));

    const liveEffects = (ex: { exchangeId: string }): SideEffect[] => [
      {
        exchangeId: ex.exchangeId,
        origin: LIVE_ORIGIN,
        attempt: 0,
        sequence: 0,
        observedTimeMs: 1,
        dependencyKind: 'http',
        target: 'payments:443',
        operation: 'POST /charge',
        requestSummary: Buffer.alloc(0),
        mocked: false,
        mockedResponse: null,
        method: 'POST',
        path: '/charge',
        requestHeaders: {},
        responseStatus: 201,
        responseBody: Buffer.from('ok'),
        durationUs: 5,
        disposition: 'live',
        runId: null,
      },
    ];
    const shadow = new LiveShadow({
      kafka: env.kafka,
      registry: env.registry,
      topicPrefix: env.prefix,
      groupId: `${env.prefix}replayer`,
      startFrom: 'earliest',
      logger: silent,
      challengers: [
        { id: 'cand', name: 'orders@2', baseUrl: `${candidate.url}/v2`, role: 'candidate', maxConcurrency: 4, maxRatePerSecond: 500 },
        { id: 'sec', baseUrl: secondary.url, role: 'secondary', headers: { authorization: 'Bearer shadow-token' } },
      ],
      liveSideEffects: liveEffects,
    });
    await shadow.start();
    const resultMessages = await readTopic(env.kafka, env.names.results, (m) => m.length >= 80, 40_000);
    const dead = await readTopic(env.kafka, env.names.deadLetter, (m) => m.length >= 4, 20_000);
    const effects = await readTopic(env.kafka, env.names.sideEffects, (m) => m.length >= 40, 20_000);
    await shadow.close();

    const results = await decodeResults(env, resultMessages);
    expect(results).toHaveLength(80);
    const ids = new Set(exchanges.map((e) => e.exchangeId));
    for (const id of ['cand', 'sec']) {
      const mine = results.filter((r) => r.challengerId === id);
      expect(new Set(mine.map((r) => r.exchangeId))).toEqual(ids);
      expect(mine.every((r) => r.responseStatus === 200 && r.errorKind === null && r.attempt === 1 && r.runId === null)).toBe(true);
    }
    expect(results.find((r) => r.challengerId === 'sec')?.challengerRole).toBe('secondary');
    expect(results.find((r) => r.challengerId === 'cand')?.challengerName).toBe('orders@2');
    // Results are keyed by exchange id.
    expect(resultMessages.every((m, i) => m.key?.toString() === results[i]?.exchangeId)).toBe(true);

    expect(elsewhere.requests).toHaveLength(0);
    expect(candidate.requests).toHaveLength(40);
    expect(secondary.requests).toHaveLength(40);
    for (const r of candidate.requests) {
      expect(r.url.startsWith('/v2/')).toBe(true);
      expect(r.headers.host).toBe(new URL(candidate.url).host);
      expect(r.headers.authorization).toBeUndefined();
      expect(r.headers['x-shadow-challenger']).toBe('cand');
      expect(ids.has(String(r.headers['x-shadow-exchange-id']))).toBe(true);
      expect(String(r.headers.traceparent)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
    expect(candidate.requests.filter((r) => r.url.startsWith('/v2/abs/'))).toHaveLength(8);
    expect(secondary.requests.every((r) => r.headers.authorization === 'Bearer shadow-token')).toBe(true);
    const posted = candidate.requests.find((r) => r.headers['x-n'] === '7');
    expect(posted?.method).toBe('POST');
    expect(posted?.body.toString()).toBe('{"n":7}');
    expect(posted?.url).toBe('/v2/items/7?n=7');

    expect(dead).toHaveLength(4);
    const byKey = new Map(dead.map((m) => [m.key?.toString(), m]));
    const code = (key: string): string | undefined => byKey.get(key)?.headers?.[DEAD_LETTER_HEADERS.code]?.toString();
    expect(code('bad-magic')).toBe('CONTRACTS_WIRE_FORMAT');
    expect(code('bad-id')).toBe('CONTRACTS_SCHEMA_NOT_FOUND');
    expect(code('bad-truncated')).toBe('CONTRACTS_DECODE_FAILED');
    expect(code('bad-contract')).toBe('CONTRACTS_SCHEMA_INCOMPATIBLE');
    for (const m of dead) {
      expect(m.headers?.[DEAD_LETTER_HEADERS.sourceTopic]?.toString()).toBe(env.names.exchanges);
      expect(m.headers?.[DEAD_LETTER_HEADERS.reason]?.toString().length).toBeGreaterThan(5);
      expect(Number(m.headers?.[DEAD_LETTER_HEADERS.sourceOffset]?.toString())).toBeGreaterThanOrEqual(0);
    }
    expect(shadow.stats().deadLettered).toEqual({
      CONTRACTS_WIRE_FORMAT: 1,
      CONTRACTS_SCHEMA_NOT_FOUND: 1,
      CONTRACTS_DECODE_FAILED: 1,
      CONTRACTS_SCHEMA_INCOMPATIBLE: 1,
    });
    const sideEffects = await decodeSideEffects(env, effects);
    expect(new Set(sideEffects.map((e) => e.exchangeId))).toEqual(ids);
  });

  it('turns timeouts, refusals, resets, hangs, garbage and oversized bodies into error results and goes on', async () => {
    const flaky = await startServer((req, res) => {
      const path = req.url ?? '';
      if (path.startsWith('/hang')) return; // never answers
      if (path.startsWith('/reset')) {
        req.socket.destroy();
        return;
      }
      if (path.startsWith('/endless')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => res.write('x'), 20);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (path.startsWith('/big')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(64 * 1024, 1));
        return;
      }
      echo(req, res, Buffer.alloc(0));
    });
    servers.push(flaky);
    const garbage = createTcpServer((socket) => {
      socket.on('data', () => socket.end('NOT-HTTP garbage\r\n\r\n'));
    });
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    const garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
    const closedPort = createTcpServer();
    await new Promise<void>((r) => closedPort.listen(0, '127.0.0.1', r));
    const refusedUrl = `http://127.0.0.1:${(closedPort.address() as AddressInfo).port}`;
    await new Promise<void>((r) => closedPort.close(() => r()));

    const paths = ['/hang', '/reset', '/endless', '/big', '/ok-1', '/ok-2', '/ok-3'];
    const exchanges = paths.map((path) => exchange({ path }));
    await produceExchanges(env2, exchanges);
    const shadow = new LiveShadow({
      kafka: env2.kafka,
      registry: env2.registry,
      topicPrefix: env2.prefix,
      groupId: `${env2.prefix}faults`,
      startFrom: 'earliest',
      logger: silent,
      challengers: [
        { id: 'flaky', baseUrl: flaky.url, timeoutMs: 1_500, maxResponseBytes: 4096 },
        { id: 'garbage', baseUrl: garbageUrl, timeoutMs: 1_500 },
        { id: 'refused', baseUrl: refusedUrl, timeoutMs: 1_500 },
      ],
    });
    await shadow.start();
    const want = new Set(exchanges.map((e) => e.exchangeId));
    const messages = await readTopic(env2.kafka, env2.names.results, (m) => m.length >= 21, 30_000);
    await shadow.close();
    garbage.close();
    const results = (await decodeResults(env2, messages)).filter((r) => want.has(r.exchangeId));
    expect(results).toHaveLength(21);
    const kindOf = (challenger: string, path: string): string | null | undefined =>
      results.find((r) => r.challengerId === challenger && r.exchangeId === exchanges[paths.indexOf(path)]?.exchangeId)?.errorKind;
    expect(kindOf('flaky', '/hang')).toBe('timeout');
    expect(kindOf('flaky', '/reset')).toBe('connection_reset');
    expect(kindOf('flaky', '/endless')).toBe('timeout');
    expect(kindOf('flaky', '/big')).toBe('body_too_large');
    const big = results.find((r) => r.challengerId === 'flaky' && r.exchangeId === exchanges[3]?.exchangeId);
    expect(big?.responseBody.length).toBe(4096);
    expect(big?.responseBodyTruncated).toBe(true);
    for (const p of ['/ok-1', '/ok-2', '/ok-3']) expect(kindOf('flaky', p)).toBeNull();
    expect(results.filter((r) => r.challengerId === 'garbage').every((r) => r.errorKind === 'protocol_error')).toBe(true);
    expect(results.filter((r) => r.challengerId === 'refused').every((r) => r.errorKind === 'connection_refused')).toBe(true);
    expect(shadow.stats().dispatch.challengers.find((c) => c.id === 'refused')?.failed).toEqual({ connection_refused: 7 });
  });
});
