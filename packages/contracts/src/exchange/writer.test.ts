// The captured exchange's hand-written encoder must produce exactly avsc's bytes: it is the only
// encoder the tap uses, while every consumer decodes with avsc.
import { describe, expect, it } from 'vitest';
import { ALL_BYTES, sampleExchange } from '../../test/fixtures.js';
import { AvroWriter } from '../serde/avro-writer.js';
import { capturedExchangeContract, writeCapturedExchange } from './avro.js';
import type { CapturedExchange, OutboundCall } from './types.js';

const { type, toAvro } = capturedExchangeContract;

function viaAvsc(e: CapturedExchange): Buffer {
  return type.toBuffer(toAvro(e));
}

function viaWriter(e: CapturedExchange, size = 8 << 20): Buffer {
  // Unfilled (zero-filling 8 MiB per exchange dominated the run); only the written prefix is compared.
  const target = Buffer.allocUnsafe(size);
  const writer = new AvroWriter().reset(target, 0);
  expect(writeCapturedExchange(e, writer)).toBe(true);
  expect(writer.fits).toBe(true);
  return target.subarray(0, writer.pos);
}

/** A small deterministic PRNG so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Valid UTF-16 only: ASCII, Latin-1 (as Node's parser gives header bytes), BMP and astral chars.
const ALPHABETS = ['abcxyz-_/?=&09 ', 'äöüßéñ\u00ff\u0080', '中文字符€—', '😀🎉𝄞'];

function randomString(rand: () => number, maxLength: number): string {
  const length = Math.floor(rand() * rand() * maxLength);
  let out = '';
  const alphabet = [...(ALPHABETS[Math.floor(rand() * ALPHABETS.length)] as string)];
  const mixed = rand() < 0.3;
  while (out.length < length) {
    const from = mixed ? [...(ALPHABETS[Math.floor(rand() * ALPHABETS.length)] as string)] : alphabet;
    out += from[Math.floor(rand() * from.length)];
  }
  return out;
}

function randomHeaders(rand: () => number, maxCount = 40): Record<string, string[]> {
  const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  const count = Math.floor(rand() * maxCount);
  for (let i = 0; i < count; i++) {
    const values = Array.from({ length: Math.floor(rand() * 4) }, () => randomString(rand, rand() < 0.1 ? 400 : 40));
    headers[rand() < 0.05 ? String(i) : `${randomString(rand, 20)}-${i}`] = values;
  }
  return headers;
}

function randomBody(rand: () => number, maxSize = 3_000): Buffer {
  const size = rand() < 0.05 ? maxSize * 23 : Math.floor(rand() * rand() * maxSize);
  const body = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) body[i] = Math.floor(rand() * 256);
  return body;
}

function randomLong(rand: () => number): number {
  const pick = rand();
  if (pick < 0.3) return Math.floor(rand() * 128) - 64;
  if (pick < 0.6) return Math.floor((rand() - 0.5) * 2 ** 33);
  if (pick < 0.8) return (rand() < 0.5 ? -1 : 1) * Math.floor(rand() * 9007199254740990);
  return (rand() - 0.5) * 1e6; // not an integer: both paths round it
}

function randomOutboundCall(rand: () => number, sequence: number): OutboundCall {
  return {
    sequence: rand() < 0.9 ? sequence : Math.floor((rand() - 0.5) * 2 ** 32),
    startTimeMs: Math.floor(1.7e12 + rand() * 1e11),
    durationUs: randomLong(rand),
    dependencyKind: rand() < 0.8 ? 'http' : randomString(rand, 10),
    scheme: rand() < 0.5 ? 'http' : 'https',
    target: `${randomString(rand, 40)}:${Math.floor(rand() * 65536)}`,
    method: randomString(rand, 8),
    path: randomString(rand, rand() < 0.1 ? 2_000 : 100),
    requestHeaders: randomHeaders(rand, 8),
    requestBody: randomBody(rand, 400),
    requestBodyTruncated: rand() < 0.5,
    responseStatus: rand() < 0.9 ? Math.floor(rand() * 600) : Math.floor((rand() - 0.5) * 2 ** 32),
    responseHeaders: randomHeaders(rand, 8),
    responseBody: randomBody(rand, 400),
    responseBodyTruncated: rand() < 0.5,
    errorMessage: rand() < 0.7 ? null : randomString(rand, 80),
  };
}

/** Absent (recorder off), empty, or up to 4 calls (one block in both encoders). */
function randomOutboundCalls(rand: () => number): Pick<CapturedExchange, 'outboundCalls'> {
  const pick = rand();
  if (pick < 0.3) return {};
  if (pick < 0.4) return { outboundCalls: [] };
  return { outboundCalls: Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, i) => randomOutboundCall(rand, i)) };
}

function randomExchange(rand: () => number): CapturedExchange {
  const nullable = (): string | null => (rand() < 0.3 ? null : randomString(rand, 100));
  return {
    exchangeId: randomString(rand, 70),
    captureTimeMs: Math.floor(1.7e12 + rand() * 1e11),
    service: randomString(rand, 30),
    environment: randomString(rand, 10),
    method: randomString(rand, 8),
    scheme: rand() < 0.5 ? 'http' : 'https',
    host: randomString(rand, 60),
    path: randomString(rand, rand() < 0.1 ? 3_000 : 120),
    query: randomString(rand, 200),
    routeTemplate: nullable(),
    requestHeaders: randomHeaders(rand),
    requestBody: randomBody(rand),
    requestBodyTruncated: rand() < 0.5,
    requestBodySize: randomLong(rand),
    requestContentType: nullable(),
    responseStatus: rand() < 0.9 ? Math.floor(rand() * 600) : Math.floor((rand() - 0.5) * 2 ** 32),
    responseHeaders: randomHeaders(rand),
    responseBody: randomBody(rand),
    responseBodyTruncated: rand() < 0.5,
    responseBodySize: randomLong(rand),
    responseContentType: nullable(),
    liveLatencyUs: randomLong(rand),
    aborted: rand() < 0.5,
    samplingRate: rand() < 0.2 ? 1 : rand(),
    tapVersion: randomString(rand, 12),
    ...randomOutboundCalls(rand),
  };
}

describe('writeCapturedExchange (hand-written Avro encoder)', () => {
  it("is the contract's encoder (its field list matches captured-exchange.avsc)", () => {
    expect(capturedExchangeContract.write).toBe(writeCapturedExchange);
  });

  it('writes the same bytes as avsc for the sample exchange (every byte value in both bodies)', () => {
    const exchange = sampleExchange();
    expect(exchange.requestBody).toEqual(ALL_BYTES);
    expect(viaWriter(exchange)).toEqual(viaAvsc(exchange));
  });

  // Generating 1 000 random exchanges (with their calls) takes seconds on a loaded 2-core machine,
  // beyond the 5 s unit default: a generous timeout, nothing here is timed.
  it('writes the same bytes as avsc for 1 000 random exchanges (unicode, varint edges, big and non-integer longs)', () => {
    const rand = prng(20261122);
    for (let i = 0; i < 1_000; i++) {
      const exchange = randomExchange(rand);
      const expected = viaAvsc(exchange);
      const actual = viaWriter(exchange);
      if (!actual.equals(expected))
        throw new Error(`exchange #${i} differs: ${JSON.stringify({ ...exchange, requestBody: undefined, responseBody: undefined })}`);
    }
  }, 60_000);

  it('writes varint boundaries exactly (string lengths 63/64/65, 127/128, 16383/16384; longs ±2^30, ±2^31, ±(2^53-2), the bound of avsc)', () => {
    const longs = [0, -1, 1, 63, -64, 64, -65, 2 ** 30 - 1, -(2 ** 30), 2 ** 30, -(2 ** 30) - 1, 2 ** 31, -(2 ** 31), 9007199254740990, -9007199254740990];
    for (const n of longs) {
      const exchange = sampleExchange({ liveLatencyUs: n, requestBodySize: n, captureTimeMs: Math.abs(n) });
      expect(viaWriter(exchange).equals(viaAvsc(exchange)), String(n)).toBe(true);
    }
    for (const length of [0, 1, 62, 63, 64, 65, 127, 128, 129, 16_383, 16_384]) {
      for (const char of ['a', 'é', '€', '😀']) {
        // Whole characters only: a lone surrogate is the one input where the two differ (avsc's
        // short-string loop writes its CESU-8 bytes, the writer U+FFFD as Buffer#write does).
        const text = char.repeat(Math.floor(length / char.length));
        const exchange = sampleExchange({ path: text, requestHeaders: { [text]: [text] }, responseBody: Buffer.alloc(length, 7) });
        // Buffer#equals: toEqual walks 200 KB buffers element by element, seconds per case under load.
        expect(viaWriter(exchange).equals(viaAvsc(exchange)), `${length} × ${char}`).toBe(true);
      }
    }
  });

  it('writes absent and empty outboundCalls as the same empty array, and calls with a null or undefined errorMessage alike', () => {
    const { outboundCalls: _calls, ...withoutCalls } = sampleExchange();
    const empty = { ...withoutCalls, outboundCalls: [] };
    expect(viaWriter(withoutCalls)).toEqual(viaAvsc(withoutCalls));
    expect(viaWriter(withoutCalls)).toEqual(viaWriter(empty));
    const call = { ...sampleExchange().outboundCalls![0]!, errorMessage: undefined } as unknown as OutboundCall;
    const exchange = sampleExchange({ outboundCalls: [call] });
    expect(viaWriter(exchange)).toEqual(viaAvsc(exchange));
    expect(viaWriter(exchange)).toEqual(viaWriter({ ...exchange, outboundCalls: [{ ...call, errorMessage: null }] }));
  });

  it('treats an undefined routeTemplate as null, as capturedExchangeToAvro does', () => {
    const exchange = { ...sampleExchange(), routeTemplate: undefined } as unknown as CapturedExchange;
    expect(viaWriter(exchange)).toEqual(viaAvsc(exchange));
  });

  it('regression: fills a target sized exactly, up to the last varint (the empty outboundCalls array ends the record)', () => {
    for (const exchange of [sampleExchange(), sampleExchange({ outboundCalls: [] })]) {
      const expected = viaAvsc(exchange);
      const target = Buffer.alloc(expected.length, 0xee);
      const writer = new AvroWriter().reset(target, 0);
      expect(writeCapturedExchange(exchange, writer)).toBe(true);
      expect(writer.fits).toBe(true);
      expect(target).toEqual(expected);
    }
  });

  it('counts what does not fit instead of writing past the buffer, so a retry can size exactly', () => {
    const exchange = sampleExchange();
    const expected = viaAvsc(exchange);
    for (const size of [0, 1, 10, 100, expected.length - 1]) {
      const target = Buffer.alloc(size + 16, 0xee);
      const writer = new AvroWriter().reset(target.subarray(0, size), 0);
      expect(writeCapturedExchange(exchange, writer)).toBe(true);
      expect(writer.fits).toBe(false);
      expect(writer.pos).toBe(expected.length);
      expect(target.subarray(size).every((b) => b === 0xee)).toBe(true);
    }
  });

  it.each([
    ['responseStatus', 200.5],
    ['requestBody', 'not bytes'],
    ['requestHeaders', { accept: 'not an array' }],
    ['responseHeaders', { accept: [1] }],
    ['liveLatencyUs', Number.NaN],
    ['captureTimeMs', 2 ** 60],
    ['requestBodySize', Number.MAX_SAFE_INTEGER], // avsc's long stops one short of it
    ['aborted', 'yes'],
    ['service', undefined],
    ['outboundCalls', 'not an array'],
  ])('declines an exchange whose %s does not fit the schema (the serde then reports it through avsc)', (field, value) => {
    const exchange = { ...sampleExchange(), [field]: value } as unknown as CapturedExchange;
    expect(writeCapturedExchange(exchange, new AvroWriter().reset(Buffer.alloc(1 << 16), 0))).toBe(false);
    expect(() => type.toBuffer(toAvro(exchange))).toThrow();
  });

  it.each([
    ['sequence', 1.5],
    ['startTimeMs', 2 ** 60],
    ['durationUs', Number.NaN],
    ['target', 42],
    ['requestHeaders', { accept: 'not an array' }],
    ['requestBody', 'not bytes'],
    ['responseStatus', '200'],
    ['responseHeaders', { 'x-a': [1] }],
    ['responseBody', null],
    ['responseBodyTruncated', 0],
    ['errorMessage', 7],
  ])('declines an outbound call whose %s does not fit the schema', (field, value) => {
    const call = { ...sampleExchange().outboundCalls![0]!, [field]: value } as unknown as OutboundCall;
    const exchange = sampleExchange({ outboundCalls: [call] });
    expect(writeCapturedExchange(exchange, new AvroWriter().reset(Buffer.alloc(1 << 16), 0))).toBe(false);
    expect(() => type.toBuffer(toAvro(exchange))).toThrow();
  });
});
