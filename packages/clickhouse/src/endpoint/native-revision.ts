// Native format as a server writes it for a client that states its protocol version over HTTP
// (`client_protocol_version`, sent by clickhouse-go and so by Grafana's ClickHouse data source).
// chDB always writes Native as for revision 0: no block info, no per-column serialization flag. From
// revision 54454 on, a server writes, per block, the block info (is_overflows=0, bucket_num=-1) before
// the column count, and after each column's type a UInt8 "has custom serialization" (0 here). Adding
// those bytes needs each column's data length, so this walks the column data by type. Types are
// limited to what analysts' queries return (LowCardinality only at the top level of a column, where
// its serialization state prefix sits right before its data); anything else fails clearly.

/** First protocol revision whose Native blocks carry block info and serialization flags. */
export const REVISION_WITH_CUSTOM_SERIALIZATION = 54454;

const BLOCK_INFO = Buffer.from([0x01, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00]);

const FIXED_SIZES: Readonly<Record<string, number>> = {
  UInt8: 1,
  Int8: 1,
  Bool: 1,
  Enum8: 1,
  UInt16: 2,
  Int16: 2,
  Date: 2,
  Enum16: 2,
  BFloat16: 2,
  UInt32: 4,
  Int32: 4,
  Float32: 4,
  Date32: 4,
  DateTime: 4,
  IPv4: 4,
  Decimal32: 4,
  Time: 4,
  UInt64: 8,
  Int64: 8,
  Float64: 8,
  DateTime64: 8,
  Decimal64: 8,
  Time64: 8,
  IntervalSecond: 8,
  UInt128: 16,
  Int128: 16,
  UUID: 16,
  IPv6: 16,
  Decimal128: 16,
  UInt256: 32,
  Int256: 32,
  Decimal256: 32,
};

export class NativeTranscodeError extends Error {
  override readonly name = 'NativeTranscodeError';
}

class Reader {
  at = 0;
  constructor(readonly buf: Buffer) {}
  varUInt(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.buf[this.at++];
      if (byte === undefined) throw new NativeTranscodeError('truncated Native data');
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }
  string(): string {
    const length = this.varUInt();
    const text = this.buf.toString('utf8', this.at, this.at + length);
    this.skip(length);
    return text;
  }
  skip(bytes: number): void {
    this.at += bytes;
    if (this.at > this.buf.length) throw new NativeTranscodeError('truncated Native data');
  }
}

/** Splits `Name(arg1, arg2)` into the name and its top-level arguments (quotes and nesting respected). */
export function parseTypeName(type: string): { name: string; args: string[] } {
  const open = type.indexOf('(');
  if (open === -1) return { name: type.trim(), args: [] };
  const name = type.slice(0, open).trim();
  const inner = type.slice(open + 1, type.lastIndexOf(')'));
  const args: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner[i];
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === ',' && depth === 0) {
      args.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(inner.slice(start).trim());
  return { name, args };
}

/** A tuple element may be named (`Tuple(a UInt8, b String)`): a name, whitespace, then the type. */
function tupleElementType(arg: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*\s+(.+)$/s.exec(arg)?.[1] ?? arg;
}

const INDEX_SIZES = [1, 2, 4, 8];
const HAS_ADDITIONAL_KEYS = 1n << 9n;

function readUInt64(reader: Reader): bigint {
  const value = reader.buf.readBigUInt64LE(reader.at);
  reader.skip(8);
  return value;
}

/** LowCardinality(T) bulk data: key version, index flags, dictionary (T without Nullable), indexes. */
function skipLowCardinality(reader: Reader, inner: string, rows: number): void {
  readUInt64(reader); // serialization state prefix: key version
  let remaining = rows;
  while (remaining > 0) {
    const flags = readUInt64(reader);
    const indexSize = INDEX_SIZES[Number(flags & 0xffn)];
    if (indexSize === undefined) throw new NativeTranscodeError(`unexpected LowCardinality index type in flags ${flags}`);
    if ((flags & HAS_ADDITIONAL_KEYS) !== 0n) {
      const keys = Number(readUInt64(reader));
      const { name, args } = parseTypeName(inner);
      skipColumn(reader, name === 'Nullable' ? (args[0] ?? '') : inner, keys, true);
    }
    const indexes = Number(readUInt64(reader));
    reader.skip(indexes * indexSize);
    remaining -= indexes;
    if (indexes === 0) break;
  }
}

function skipColumn(reader: Reader, type: string, rows: number, nested = false): void {
  if (rows === 0) return;
  const { name, args } = parseTypeName(type);
  if (name === 'LowCardinality' && !nested) return skipLowCardinality(reader, args[0] ?? '', rows);
  const fixed = FIXED_SIZES[name];
  if (fixed !== undefined) return reader.skip(fixed * rows);
  switch (name) {
    case 'Decimal': {
      const precision = Number(args[0]);
      return reader.skip((precision <= 9 ? 4 : precision <= 18 ? 8 : precision <= 38 ? 16 : 32) * rows);
    }
    case 'String':
      for (let i = 0; i < rows; i += 1) reader.skip(reader.varUInt());
      return;
    case 'FixedString':
      return reader.skip(Number(args[0]) * rows);
    case 'Nullable':
      reader.skip(rows);
      return skipColumn(reader, args[0] ?? '', rows, true);
    case 'Array': {
      reader.skip(8 * (rows - 1));
      const total = Number(reader.buf.readBigUInt64LE(reader.at));
      reader.skip(8);
      return skipColumn(reader, args[0] ?? '', total, true);
    }
    case 'Map': {
      reader.skip(8 * (rows - 1));
      const total = Number(reader.buf.readBigUInt64LE(reader.at));
      reader.skip(8);
      skipColumn(reader, args[0] ?? '', total, true);
      return skipColumn(reader, args[1] ?? '', total, true);
    }
    case 'Tuple':
      for (const arg of args) skipColumn(reader, tupleElementType(arg), rows, true);
      return;
    case 'SimpleAggregateFunction':
      return skipColumn(reader, args[args.length - 1] ?? '', rows, nested);
    default:
      throw new NativeTranscodeError(
        `type ${type} cannot be sent as Native to a client of protocol >= ${REVISION_WITH_CUSTOM_SERIALIZATION} by this endpoint; ` +
          'cast the column (e.g. toString) or use another format',
      );
  }
}

/**
 * Rewrites chDB's revision-0 Native output as a server writes it for `revision` (a no-op below
 * {@link REVISION_WITH_CUSTOM_SERIALIZATION}).
 */
export function nativeForRevision(data: Buffer, revision: number): Buffer {
  if (revision < REVISION_WITH_CUSTOM_SERIALIZATION || data.length === 0) return data;
  const reader = new Reader(data);
  const out: Buffer[] = [];
  while (reader.at < data.length) {
    out.push(BLOCK_INFO);
    let copied = reader.at;
    const columns = reader.varUInt();
    const rows = reader.varUInt();
    for (let c = 0; c < columns; c += 1) {
      reader.string();
      const type = reader.string();
      out.push(data.subarray(copied, reader.at), Buffer.from([0]));
      copied = reader.at;
      skipColumn(reader, type, rows);
    }
    out.push(data.subarray(copied, reader.at));
  }
  return Buffer.concat(out);
}
