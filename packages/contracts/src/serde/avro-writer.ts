// A minimal Avro binary writer for hand-written record encoders (see RecordContract.write).
//
// avsc encodes through a generic walk of an intermediate record object; for the captured
// exchange, which the tap encodes once per live request on the application's thread, that walk
// (plus building the record) was most of the encoding cost. A contract may therefore carry a
// hand-written encoder that writes its fields in schema order with these primitives. The bytes
// are the Avro binary encoding, identical to avsc's (contract tests compare them, field by field
// and on random values).
//
// Like avsc, the writer never throws when the target is too small: it keeps counting, so `pos`
// ends at the exact size the encoding needs and the caller can retry with a larger buffer.

/**
 * Strings up to this many UTF-16 units are written by a JS loop (when ASCII: one byte per unit, and
 * a one-byte length, as zig-zag(63) = 126); longer ones by Buffer#utf8Write.
 */
const SHORT_STRING = 63;

export class AvroWriter {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;

  /** Starts writing at `pos` of `buf`. */
  reset(buf: Buffer, pos: number): this {
    this.buf = buf;
    this.pos = pos;
    return this;
  }

  /** True when everything written so far fitted the buffer. */
  get fits(): boolean {
    return this.pos <= this.buf.length;
  }

  /** Avro int and long: zig-zag varint. `n` must be an integer (callers check). */
  writeLong(n: number): void {
    const buf = this.buf;
    let pos = this.pos;
    if (pos + 10 > buf.length) {
      // Near the end of the target: write only when the whole varint fits (a record whose last
      // field is a long, sized exactly, ends here), else just count.
      const size = varintBytes(n);
      if (pos + size > buf.length) {
        this.pos = pos + size;
        return;
      }
    }
    if (n >= -1073741824 && n < 1073741824) {
      let m = n >= 0 ? n << 1 : (~n << 1) | 1;
      while (m > 0x7f) {
        buf[pos++] = (m & 0x7f) | 0x80;
        m >>>= 7;
      }
      buf[pos++] = m;
    } else {
      // Beyond 31 bits: float arithmetic (exact up to 2^53, like avsc).
      let f = n >= 0 ? n * 2 : -n * 2 - 1;
      while (f >= 128) {
        buf[pos++] = f % 128 | 0x80;
        f = Math.floor(f / 128);
      }
      buf[pos++] = f;
    }
    this.pos = pos;
  }

  writeBoolean(b: boolean): void {
    if (this.pos < this.buf.length) this.buf[this.pos] = b ? 1 : 0;
    this.pos++;
  }

  writeDouble(d: number): void {
    if (this.pos + 8 <= this.buf.length) this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  writeBytes(bytes: Uint8Array): void {
    const length = bytes.byteLength;
    this.writeLong(length);
    if (this.pos + length <= this.buf.length) this.buf.set(bytes, this.pos);
    this.pos += length;
  }

  /** UTF-8, as Buffer#write: a lone surrogate becomes U+FFFD (EF BF BD). */
  writeString(s: string): void {
    const length = s.length;
    if (length <= SHORT_STRING) {
      // One length byte; ASCII (the common case for HTTP heads) is copied char by char. The first
      // char that is not ASCII sends the string to the general path below.
      const buf = this.buf;
      const start = this.pos;
      if (start + 1 + length <= buf.length) {
        let pos = start + 1;
        let i = 0;
        for (; i < length; i++) {
          const c = s.charCodeAt(i);
          if (c >= 0x80) break;
          buf[pos++] = c;
        }
        if (i === length) {
          buf[start] = length << 1;
          this.pos = pos;
          return;
        }
      } else if (isAscii(s)) {
        this.pos = start + 1 + length;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.writeLong(bytes);
    if (this.pos + bytes <= this.buf.length) (this.buf as unknown as Utf8Writable).utf8Write(s, this.pos, bytes);
    this.pos += bytes;
  }

  /** A `["null", "string"]` union. */
  writeNullableString(s: string | null): void {
    if (s === null) {
      this.writeLong(0);
    } else {
      this.writeLong(1);
      this.writeString(s);
    }
  }

  /**
   * A `map<array<string>>` from a plain object, keys in Object.keys order (as avsc). Returns false
   * (having written garbage) when a value is not an array of strings.
   */
  writeStringArrayMap(map: Readonly<Record<string, readonly string[]>>): boolean {
    const keys = Object.keys(map);
    if (keys.length > 0) {
      this.writeLong(keys.length);
      for (const key of keys) {
        const values = map[key];
        if (!Array.isArray(values)) return false;
        this.writeString(key);
        if (values.length > 0) {
          this.writeLong(values.length);
          for (const value of values) {
            if (typeof value !== 'string') return false;
            this.writeString(value);
          }
        }
        this.writeLong(0);
      }
    }
    this.writeLong(0);
    return true;
  }
}

/** Buffer#utf8Write: Node's own writer behind Buffer#write, without its argument parsing (avsc uses it too). */
interface Utf8Writable {
  utf8Write(s: string, offset: number, length: number): number;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function varintBytes(n: number): number {
  let f = n >= 0 ? n * 2 : -n * 2 - 1;
  let bytes = 1;
  while (f >= 128) {
    f = Math.floor(f / 128);
    bytes++;
  }
  return bytes;
}
