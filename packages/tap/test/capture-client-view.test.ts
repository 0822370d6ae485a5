/**
 * The tap must not change what clients receive: the raw bytes of every workload response (status
 * line, headers, body, chunked framing) are identical with and without the tap, except Date.
 */
import { describe, expect, it } from 'vitest';
import { createTap } from '@shadow/tap';
import { settle, workloadCases } from './support/cases.js';
import { MemorySink } from './support/memory-sink.js';
import { FRAMEWORKS, rawExchange, startServer, type ClientRequest } from './support/workload.js';

function rawRequest(request: ClientRequest): Buffer {
  const head = [`${request.method} ${request.path} HTTP/1.1`, 'host: 127.0.0.1', 'connection: close'];
  for (const [name, value] of Object.entries(request.headers ?? {})) head.push(`${name}: ${value}`);
  let body: Buffer = Buffer.alloc(0);
  if (Array.isArray(request.body)) {
    head.push('transfer-encoding: chunked');
    body = Buffer.concat([...request.body.flatMap((c) => [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]);
  } else if (request.body !== undefined) {
    head.push(`content-length: ${request.body.length}`);
    body = request.body;
  }
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

function withoutDate(response: Buffer): Buffer {
  const end = response.indexOf('\r\n\r\n');
  const head = response
    .subarray(0, end)
    .toString('latin1')
    .replace(/\r\ndate: [^\r]*/i, '');
  return Buffer.concat([Buffer.from(head, 'latin1'), response.subarray(end)]);
}

describe.each(FRAMEWORKS)('%s', (framework) => {
  it('serves byte-identical responses with and without the tap, and captures each request once', async () => {
    const sink = new MemorySink();
    const tap = createTap({
      service: 's',
      environment: 'test',
      transport: sink,
      exchangeIdHeaders: ['x-request-id'],
      redaction: { jsonPaths: ['$.user.email'] },
    });
    await using plain = await startServer(framework, null);
    await using tapped = await startServer(framework, tap);
    const cases = workloadCases();
    for (const c of cases) {
      const request = rawRequest(c.request);
      const [without, withTap] = await Promise.all([rawExchange(plain.port, request), rawExchange(tapped.port, request)]);
      expect(without.length, c.name).toBeGreaterThan(0);
      expect(withoutDate(withTap).equals(withoutDate(without)), `${c.name}: responses differ`).toBe(true);
    }
    await settle(tap, sink, cases.length);
    expect(sink.records).toHaveLength(cases.length);
    expect(new Set(sink.records.map((r) => r.exchangeId)).size).toBe(cases.length);
    await tap.close();
  });
});
