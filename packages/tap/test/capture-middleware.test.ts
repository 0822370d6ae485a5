/**
 * Where the capture sits among other code that touches the same pair, on real servers: middleware
 * that replaces `res.write`/`res.end` before or after the tap attached, and two taps on one pair.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createTap, type Tap } from '@shadow/tap';
import { settle } from './support/cases.js';
import { MemorySink } from './support/memory-sink.js';
import { listenPlain, send } from './support/workload.js';

/** POSTs `body` and returns what the client received, as latin1 text. */
async function post(port: number, body: string): Promise<string> {
  const res = await send(port, { method: 'POST', path: '/x', headers: { 'content-type': 'text/plain' }, body: Buffer.from(body) });
  return res.body.toString('latin1');
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('echo:');
    res.end(Buffer.concat(chunks));
  });
}

/** What middleware such as compression does: replaces write/end on the instance and calls the previous ones. */
function upperCaseWrites(res: ServerResponse): void {
  const write = res.write.bind(res) as (chunk: unknown) => boolean;
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  const upper = (chunk: unknown): unknown => (chunk === undefined || typeof chunk === 'function' ? chunk : Buffer.from(String(chunk).toUpperCase(), 'latin1'));
  res.write = ((chunk: unknown) => write(upper(chunk))) as ServerResponse['write'];
  res.end = ((chunk?: unknown) => end(upper(chunk))) as ServerResponse['end'];
}

function newTap(): { tap: Tap; sink: MemorySink } {
  const sink = new MemorySink();
  return { tap: createTap({ service: 's', environment: 't', transport: sink }), sink };
}

describe('capture among middleware', () => {
  it('sees what the application wrote, once, when write/end were replaced before the tap attached', async () => {
    const { tap, sink } = newTap();
    await using server = await listenPlain((req, res) => {
      upperCaseWrites(res); // mounted before the tap
      tap.capture(req, res);
      echo(req, res);
    });
    expect(await post(server.port, 'hello')).toBe('ECHO:HELLO');
    await settle(tap, sink, 1);
    expect(sink.records).toHaveLength(1);
    expect(sink.records[0]?.requestBody.toString()).toBe('hello');
    expect(sink.records[0]?.responseBody.toString()).toBe('echo:hello');
    await tap.close();
  });

  it('sees the bytes on the wire when such middleware is mounted after the tap', async () => {
    const { tap, sink } = newTap();
    await using server = await listenPlain((req, res) => {
      tap.capture(req, res);
      upperCaseWrites(res); // mounted after the tap
      echo(req, res);
    });
    expect(await post(server.port, 'hello')).toBe('ECHO:HELLO');
    await settle(tap, sink, 1);
    expect(sink.records).toHaveLength(1);
    expect(sink.records[0]?.responseBody.toString()).toBe('ECHO:HELLO');
    await tap.close();
  });

  it('lets two taps capture the same exchange, each with the whole exchange', async () => {
    const first = newTap();
    const second = newTap();
    await using server = await listenPlain((req, res) => {
      first.tap.capture(req, res);
      second.tap.capture(req, res);
      echo(req, res);
    });
    expect(await post(server.port, 'both')).toBe('echo:both');
    await settle(first.tap, first.sink, 1);
    await settle(second.tap, second.sink, 1);
    for (const { sink } of [first, second]) {
      expect(sink.records).toHaveLength(1);
      expect(sink.records[0]?.requestBody.toString()).toBe('both');
      expect(sink.records[0]?.responseBody.toString()).toBe('echo:both');
    }
    await first.tap.close();
    await second.tap.close();
  });
});
