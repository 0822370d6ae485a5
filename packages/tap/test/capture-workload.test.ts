/**
 * Capture fidelity of the mixed workload on real servers (node:http, Express, Fastify), recorded by
 * an in-memory transport. What reaches Kafka is checked by e2e-kafka.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from '@shadow/contracts';
import { createTap } from '@shadow/tap';
import { exchangeIdOf, JSON_BODY, requestBytes, searchable, settle, workloadCases } from './support/cases.js';
import { MemorySink } from './support/memory-sink.js';
import { abortAfterFirstBytes, abortDuringUpload, CHUNKS, FRAMEWORKS, MB, SECRETS, send, startServer, type ClientResponse } from './support/workload.js';

const LIMIT = 1 * MB;

function expectBody(captured: Buffer, truncated: boolean, size: number, actual: Buffer): void {
  expect(size).toBe(actual.length);
  expect(truncated).toBe(actual.length > LIMIT);
  expect(captured.equals(actual.subarray(0, LIMIT))).toBe(true);
}

describe.each(FRAMEWORKS)('%s', (framework) => {
  it('captures every request of the mixed workload exactly once, bodies byte-identical up to the limit, secrets absent', async () => {
    const sink = new MemorySink();
    const tap = createTap({
      service: `workload-${framework}`,
      environment: 'test',
      transport: sink,
      exchangeIdHeaders: ['x-request-id'],
      maxBodyBytes: LIMIT,
      redaction: { jsonPaths: ['$.user.email', 'items[*].ssn'] },
    });
    await using server = await startServer(framework, tap);
    const cases = workloadCases();
    const responses = new Map<string, ClientResponse>();
    await Promise.all(
      cases.map(async (c) => {
        responses.set(c.name, await send(server.port, c.request));
      }),
    );
    await settle(tap, sink, cases.length);
    expect(sink.records).toHaveLength(cases.length);

    for (const c of cases) {
      const records = sink.byId(exchangeIdOf(c.request));
      expect(records, c.name).toHaveLength(1);
      const record = records[0] as CapturedExchange;
      const response = responses.get(c.name) as ClientResponse;
      const url = new URL(c.request.path, 'http://x');
      expect(record, c.name).toMatchObject({
        service: `workload-${framework}`,
        environment: 'test',
        method: c.request.method,
        scheme: 'http',
        host: `127.0.0.1:${server.port}`,
        path: url.pathname,
        query: url.search.slice(1),
        routeTemplate: framework === 'node' ? null : c.template,
        responseStatus: response.status,
        aborted: false,
        samplingRate: 1,
      });
      expect(record.liveLatencyUs).toBeGreaterThan(0);
      expect(record.requestHeaders['x-request-id']).toEqual([exchangeIdOf(c.request)]);
      for (const secret of Object.values(SECRETS)) expect(searchable(record), `${c.name} leaks ${secret}`).not.toContain(secret);

      if (c.name === 'json') {
        expect(record.requestHeaders['authorization']).toEqual(['[REDACTED]']);
        expect(record.requestHeaders['cookie']).toEqual(['[REDACTED]']);
        expect(JSON.parse(record.requestBody.toString())).toEqual({
          ...JSON_BODY,
          user: { ...JSON_BODY.user, email: '[REDACTED]' },
          items: JSON_BODY.items.map((item) => ({ ...item, ssn: '[REDACTED]' })),
        });
        expect(JSON.parse(record.responseBody.toString())).toMatchObject({ user: { email: '[REDACTED]', id: 7 } });
        expect(record.responseHeaders['set-cookie']?.[0]).toBe('[REDACTED]');
        expect(record.requestContentType).toBe('application/json');
        expect(record.responseContentType).toMatch(/^application\/json/);
        continue;
      }
      expectBody(record.requestBody, record.requestBodyTruncated, record.requestBodySize, requestBytes(c.request));
      expectBody(record.responseBody, record.responseBodyTruncated, record.responseBodySize, response.body);
      if (c.name === 'chunked-response') expect(response.body.toString()).toBe(CHUNKS.join(''));
      if (c.name === 'head' || c.name === 'no-content') expect(record.responseBody.length).toBe(0);
      if (c.name === 'big') expect(record.requestBodyTruncated && record.responseBodyTruncated).toBe(true);
      const contentType = response.headers['content-type'];
      expect(record.responseContentType).toBe(typeof contentType === 'string' ? contentType : null);
    }
    await tap.close();
  });

  it('captures a response the client abandons mid-stream exactly once, as aborted', async () => {
    const sink = new MemorySink();
    const tap = createTap({ service: 's', environment: 'test', transport: sink, exchangeIdHeaders: ['x-request-id'] });
    await using server = await startServer(framework, tap);
    const first = await abortAfterFirstBytes(server.port, '/abort', { 'x-request-id': 'abort-response' });
    expect(first.toString()).toContain('200');
    await settle(tap, sink, 1);
    expect(sink.records).toHaveLength(1);
    expect(sink.records[0]).toMatchObject({ exchangeId: 'abort-response', aborted: true, responseStatus: 200, responseBodyTruncated: true });
    expect(sink.records[0]?.responseBody.toString()).toMatch(/^first-chunk;(more;)*$/);
    await tap.close();
  });

  it('captures a request the client abandons during the upload exactly once, as aborted with a partial body', async () => {
    const sink = new MemorySink();
    const tap = createTap({ service: 's', environment: 'test', transport: sink, exchangeIdHeaders: ['x-request-id'] });
    await using server = await startServer(framework, tap);
    const sent = Buffer.alloc(1000, 0x61);
    await abortDuringUpload(server.port, '/slow-upload', { 'x-request-id': 'abort-upload', 'content-type': 'application/octet-stream' }, sent, 100_000);
    await settle(tap, sink, 1);
    expect(sink.records).toHaveLength(1);
    const record = sink.records[0] as CapturedExchange;
    expect(record).toMatchObject({ exchangeId: 'abort-upload', aborted: true, requestBodySize: 1000, requestBodyTruncated: true });
    expect(record.requestBody.equals(sent)).toBe(true);
    await tap.close();
  });
});
