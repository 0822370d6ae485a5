/** What a record of the mixed workload must contain, whoever carried it (memory or Kafka). */
import { expect } from 'vitest';
import type { CapturedExchange } from '@shadow/contracts';
import { exchangeIdOf, JSON_BODY, requestBytes, searchable, type WorkloadCase } from './cases.js';
import { CHUNKS, SECRETS, type ClientResponse, type Framework } from './workload.js';

export interface Expectation {
  framework: Framework;
  service: string;
  port: number;
  /** maxBodyBytes in force. */
  limit: number;
}

function expectBody(label: string, captured: Buffer, truncated: boolean, size: number, actual: Buffer, limit: number): void {
  expect(size, `${label} size`).toBe(actual.length);
  expect(truncated, `${label} truncated`).toBe(actual.length > limit);
  expect(captured.equals(actual.subarray(0, limit)), `${label} bytes`).toBe(true);
}

export function expectCapture(record: CapturedExchange, c: WorkloadCase, response: ClientResponse, e: Expectation): void {
  const url = new URL(c.request.path, 'http://x');
  expect(record, c.name).toMatchObject({
    exchangeId: exchangeIdOf(c.request),
    service: e.service,
    method: c.request.method,
    scheme: 'http',
    host: `127.0.0.1:${e.port}`,
    path: url.pathname,
    query: url.search.slice(1),
    routeTemplate: e.framework === 'node' ? null : c.template,
    responseStatus: response.status,
    aborted: false,
    samplingRate: 1,
  });
  expect(record.liveLatencyUs).toBeGreaterThan(0);
  for (const secret of Object.values(SECRETS)) expect(searchable(record), `${c.name} leaks ${secret}`).not.toContain(secret);

  if (c.name === 'json') {
    expect(record.requestHeaders['authorization']).toEqual(['[REDACTED]']);
    expect(record.requestHeaders['cookie']).toEqual(['[REDACTED]']);
    expect(record.requestHeaders['proxy-authorization']).toEqual(['[REDACTED]']);
    expect(JSON.parse(record.requestBody.toString())).toEqual({
      ...JSON_BODY,
      user: { ...JSON_BODY.user, email: '[REDACTED]' },
      items: JSON_BODY.items.map((item) => ({ ...item, ssn: '[REDACTED]' })),
    });
    expect(JSON.parse(record.responseBody.toString())).toEqual({ ...(JSON.parse(response.body.toString()) as object), user: { email: '[REDACTED]', id: 7 } });
    expect(record.responseHeaders['set-cookie']?.[0]).toBe('[REDACTED]');
    expect(record.requestContentType).toBe('application/json');
    expect(record.responseContentType).toMatch(/^application\/json/);
    return;
  }
  expectBody(`${c.name} request`, record.requestBody, record.requestBodyTruncated, record.requestBodySize, requestBytes(c.request), e.limit);
  expectBody(`${c.name} response`, record.responseBody, record.responseBodyTruncated, record.responseBodySize, response.body, e.limit);
  if (c.name === 'chunked-response') expect(response.body.toString()).toBe(CHUNKS.join(''));
  if (c.name === 'head' || c.name === 'no-content') expect(record.responseBody.length).toBe(0);
  const contentType = response.headers['content-type'];
  expect(record.responseContentType).toBe(typeof contentType === 'string' ? contentType : null);
}
