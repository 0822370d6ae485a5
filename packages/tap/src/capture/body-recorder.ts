/**
 * A bounded copy of a body seen as a sequence of chunks. Bytes are copied (not referenced) so the
 * application may reuse its buffers, and so memory is accounted exactly: at most `limit` bytes per
 * body, and at most the shared budget across all captures in flight. Bytes beyond either bound
 * are counted in `size` but not kept, and the body is flagged as truncated.
 */
export class ByteBudget {
  private used = 0;
  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Grants up to `wanted` bytes. */
  take(wanted: number): number {
    const granted = Math.min(wanted, this.limit - this.used);
    if (granted <= 0) return 0;
    this.used += granted;
    return granted;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

const EMPTY = Buffer.alloc(0);

export class BodyRecorder {
  /** Bytes seen, kept or not. */
  size = 0;
  /** Bytes kept. */
  kept = 0;
  truncated = false;
  private chunks: Buffer[] = [];
  private released = false;

  constructor(
    private readonly limit: number,
    private readonly budget: ByteBudget,
  ) {}

  addBytes(chunk: Uint8Array): void {
    const length = chunk.byteLength;
    this.size += length;
    if (this.truncated || this.released || length === 0) return;
    const granted = this.budget.take(Math.min(length, this.limit - this.kept));
    if (granted > 0) {
      // Buffer.from(arrayBuffer, offset, length) is a view; copy it into memory we own.
      const copy = Buffer.allocUnsafe(granted);
      copy.set(granted === length ? chunk : chunk.subarray(0, granted));
      this.chunks.push(copy);
      this.kept += granted;
    }
    if (granted < length) this.truncated = true;
  }

  addString(chunk: string, encoding: BufferEncoding): void {
    const length = Buffer.byteLength(chunk, encoding);
    if (this.truncated || this.released || length === 0) {
      this.size += length;
      return;
    }
    const granted = this.budget.take(Math.min(length, this.limit - this.kept));
    let written = 0;
    if (granted > 0) {
      const copy = Buffer.allocUnsafe(granted);
      // Writes whole characters only, so a cut can fall up to 3 bytes before the limit: the kept
      // bytes are still an exact prefix of the body.
      written = copy.write(chunk, 0, granted, encoding);
      this.budget.give(granted - written);
      if (written > 0) this.chunks.push(written === granted ? copy : copy.subarray(0, written));
      this.kept += written;
    }
    this.size += length;
    if (written < length) this.truncated = true;
  }

  /** Marks the body as incomplete without adding bytes (e.g. bytes consumed before the tap attached). */
  markIncomplete(): void {
    this.truncated = true;
  }

  /**
   * Hands the kept bytes over and returns their budget. Call once. The body may be a slice of
   * Node's shared pool: the Kafka transport encodes it when the capture is offered and does not
   * keep it, so it pins no pool slab.
   */
  take(): Buffer {
    if (this.released) return EMPTY;
    this.released = true;
    const chunks = this.chunks;
    this.chunks = [];
    this.budget.give(this.kept);
    if (chunks.length === 0) return EMPTY;
    if (chunks.length === 1) return chunks[0] as Buffer;
    return Buffer.concat(chunks, this.kept);
  }

  /** Returns the budget without producing a body (capture abandoned). */
  discard(): void {
    if (this.released) return;
    this.released = true;
    this.chunks = [];
    this.budget.give(this.kept);
  }
}
