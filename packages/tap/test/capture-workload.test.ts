/**
 * Capture fidelity of the mixed workload on real servers (node:http, Express, Fastify), recorded by
 * an in-memory transport. What reaches Kafka is checked by e2e-kafka.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from '@shadow/contracts';
import { createTap } from '@shadow/tap';
import { exchangeIdOf, sendAll, settle, workloadCases } from './support/cases.js';
import { expectCapture } from './support/expect-capture.js';
import { MemorySink } from './support/memory-sink.js';
import { abortAfterFirstBytes, abortDuringUpload, FRAMEWORKS, MB, startServer, type ClientResponse } from './support/workload.js';

const LIMIT = 1 * MB;

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
    const responses = await sendAll(server.port, cases);
    await settle(tap, sink, cases.length);
    expect(sink.records).toHaveLength(cases.length);

    for (const c of cases) {
      const records = sink.byId(exchangeIdOf(c.request));
      expect(records, c.name).toHaveLength(1);
      const record = records[0] as CapturedExchange;
      expectCapture(record, c, responses.get(c.name) as ClientResponse, { framework, service: `workload-${framework}`, port: server.port, limit: LIMIT });
      expect(record.environment).toBe('test');
      if (c.name === 'big') expect(record.requestBodyTruncated && record.responseBodyTruncated).toBe(true);
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
