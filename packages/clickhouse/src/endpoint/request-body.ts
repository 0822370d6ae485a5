// Reading a request body with a hard size bound, before and after decompression. A compressed body
// is inflated as a stream and the stream stops the moment the inflated size passes the bound, so a
// few hundred bytes of gzip or brotli cannot grow into gigabytes in memory first (they did: the size
// was checked after a whole-buffer inflate). ClickHouse's own block compression (`decompress=1`) is
// bounded by the sizes its block headers declare, checked before each block is inflated.
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { NativeDecompressError, nativeDecompress } from './native-compression.js';

/** Why a body was refused: too large (after inflating), or undecodable, or an unsupported encoding. */
export class BodyError extends Error {
  override readonly name = 'BodyError';
  constructor(
    message: string,
    readonly reason: 'too-large' | 'corrupt' | 'unsupported-encoding',
  ) {
    super(message);
  }
}

const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: () => createGunzip(),
  'x-gzip': () => createGunzip(),
  deflate: () => createInflate(),
  br: () => createBrotliDecompress(),
};

export const SUPPORTED_CONTENT_ENCODINGS: readonly string[] = Object.keys(DECODERS);

export interface BodyOptions {
  /** Largest body, both as received and once decoded. */
  readonly maxBytes: number;
  /** The body is in ClickHouse's block compression (`decompress=1`). */
  readonly native: boolean;
}

/**
 * Reads the whole body, decoding `Content-Encoding` (gzip, deflate, br) and then, with `native`,
 * ClickHouse block compression. Throws BodyError; the caller answers and closes the connection, the
 * rest of the body is not read.
 */
export async function readBoundedBody(req: IncomingMessage, options: BodyOptions): Promise<Buffer> {
  const { maxBytes } = options;
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  const tooLarge = () => new BodyError(`Max query size exceeded (${maxBytes} bytes)`, 'too-large');
  let decoder: Transform | undefined;
  if (encoding !== '' && encoding !== 'identity') {
    const make = Object.hasOwn(DECODERS, encoding) ? DECODERS[encoding] : undefined;
    if (make === undefined) {
      throw new BodyError(
        `Content-Encoding ${JSON.stringify(encoding)} is not supported; use ${SUPPORTED_CONTENT_ENCODINGS.join(', ')} or none`,
        'unsupported-encoding',
      );
    }
    decoder = make();
  }

  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    let received = 0;
    let settled = false;
    // A refusal stops reading: the request is paused, not destroyed, so the error can still be
    // answered (with Connection: close, the rest of the body is never read).
    const fail = (err: BodyError) => {
      if (settled) return;
      settled = true;
      req.pause();
      req.off('data', onData);
      decoder?.destroy();
      reject(err);
    };
    const keep = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) fail(tooLarge());
      else chunks.push(chunk);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) return fail(tooLarge());
      if (decoder === undefined) return keep(chunk);
      if (!decoder.write(chunk)) {
        req.pause();
        decoder.once('drain', () => {
          if (!settled) req.resume();
        });
      }
      return undefined;
    };
    req.on('data', onData);
    req.once('error', (err) => fail(new BodyError(`The request body could not be read: ${err.message}`, 'corrupt')));
    // A client that goes away (or times out) mid-body must not hold its concurrency slot forever.
    req.once('close', () => {
      if (!req.complete) fail(new BodyError('The client closed the connection before the whole body arrived', 'corrupt'));
    });
    if (decoder === undefined) {
      req.once('end', () => {
        if (settled) return;
        settled = true;
        resolve();
      });
      return;
    }
    decoder.on('data', keep);
    decoder.once('error', (err) => fail(new BodyError(`Cannot decompress the request body (${encoding}): ${err.message}`, 'corrupt')));
    decoder.once('end', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    req.once('end', () => decoder?.end());
  });
  const body = Buffer.concat(chunks, size);
  if (!options.native || body.length === 0) return body;
  try {
    return nativeDecompress(body, maxBytes);
  } catch (err) {
    if (err instanceof NativeDecompressError) throw new BodyError(err.message, err.tooLarge ? 'too-large' : 'corrupt');
    throw err;
  }
}
