/** The requests of the mixed workload, shared by the capture tests. */
import { randomUUID } from 'node:crypto';
import type { CapturedExchange } from '@shadow/contracts';
import type { Tap } from '@shadow/tap';
import type { MemorySink } from './memory-sink.js';
import { ALL_BYTES, CHUNKS, MB, pseudoRandomBytes, SECRETS, send, type ClientRequest, type ClientResponse } from './workload.js';

export interface WorkloadCase {
  name: string;
  request: ClientRequest;
  /** Route template Express and Fastify report (plain node:http reports none). */
  template: string | null;
}

export const JSON_BODY = {
  user: { email: SECRETS.email, name: 'Ann' },
  items: [
    { ssn: SECRETS.ssn, sku: 'a' },
    { ssn: SECRETS.ssn, sku: 'b' },
  ],
  n: 1,
};
export const BIG_REQUEST = pseudoRandomBytes(5 * MB, 3);

/** Fresh request ids per call: nothing is shared between tests. */
/** Sends every case at once; the responses by case name. */
export async function sendAll(port: number, cases: readonly WorkloadCase[]): Promise<Map<string, ClientResponse>> {
  const responses = new Map<string, ClientResponse>();
  await Promise.all(
    cases.map(async (c) => {
      responses.set(c.name, await send(port, c.request));
    }),
  );
  return responses;
}

export function workloadCases(): WorkloadCase[] {
  const id = (): Record<string, string> => ({ 'x-request-id': randomUUID() });
  return [
    {
      name: 'json',
      template: '/json/:id',
      request: {
        method: 'POST',
        path: '/json/42?x=1&y=two',
        headers: {
          ...id(),
          'content-type': 'application/json',
          authorization: SECRETS.authorization,
          cookie: SECRETS.cookie,
          'proxy-authorization': SECRETS.proxyAuthorization,
        },
        body: Buffer.from(JSON.stringify(JSON_BODY)),
      },
    },
    {
      name: 'binary',
      template: '/binary',
      request: {
        method: 'POST',
        path: '/binary',
        headers: { ...id(), 'content-type': 'application/octet-stream' },
        body: Buffer.concat([ALL_BYTES, ALL_BYTES]),
      },
    },
    { name: 'empty', template: '/empty', request: { method: 'GET', path: '/empty', headers: id() } },
    { name: 'no-content', template: '/no-content', request: { method: 'GET', path: '/no-content', headers: id() } },
    {
      name: 'big',
      template: '/big',
      request: { method: 'POST', path: '/big', headers: { ...id(), 'content-type': 'application/octet-stream' }, body: BIG_REQUEST },
    },
    { name: 'chunked-response', template: '/chunked', request: { method: 'GET', path: '/chunked', headers: id() } },
    { name: 'head', template: '/chunked', request: { method: 'HEAD', path: '/chunked', headers: id() } },
    {
      name: 'chunked-upload',
      template: '/upload',
      request: {
        method: 'POST',
        path: '/upload',
        headers: { ...id(), 'content-type': 'application/octet-stream' },
        body: [ALL_BYTES, Buffer.from('two'), ALL_BYTES.subarray(0, 17)],
      },
    },
    { name: 'stream', template: '/stream', request: { method: 'GET', path: '/stream', headers: id() } },
    { name: '404', template: null, request: { method: 'GET', path: '/missing', headers: id() } },
    { name: '500', template: '/boom', request: { method: 'GET', path: '/boom', headers: id() } },
  ];
}

export function requestBytes(request: ClientRequest): Buffer {
  return Array.isArray(request.body) ? Buffer.concat(request.body) : (request.body ?? Buffer.alloc(0));
}

export function exchangeIdOf(request: ClientRequest): string {
  const id = request.headers?.['x-request-id'];
  if (id === undefined) throw new Error('case without x-request-id');
  return id;
}

/** The record with bodies as text, to search for leaked secrets in everything that would be sent. */
export function searchable(record: CapturedExchange): string {
  return JSON.stringify({ ...record, requestBody: record.requestBody.toString('latin1'), responseBody: record.responseBody.toString('latin1') });
}

/** Waits until no capture is in flight and `count` records arrived, then a little longer to catch duplicates. */
export async function settle(tap: Tap, sink: MemorySink, count: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (tap.stats().inFlight > 0 || sink.records.length < count) {
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${sink.records.length}/${count} records, ${tap.stats().inFlight} in flight`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

export { CHUNKS };
