// A record contract ties one Avro schema to one in-process shape. The in-process shapes use
// Buffer bodies, Record<string, string[]> headers and null for "missing"; the Avro records use the
// same field names, so conversion is mostly a checked copy. It is still explicit (instead of handing
// the object to avsc as-is) so that extra properties never leak into Kafka and decoded bodies never
// alias the (much larger) Kafka fetch buffer they were read from.
import avro from 'avsc';
import { ContractsError } from '../errors.js';
import type { AvroWriter } from '../serde/avro-writer.js';
import type { AvroRecordSchema } from './schemas.js';

/** The avsc type of a record schema. Exposed for tooling and tests; treat as read-only. */
export type AvroType = avro.Type;

export type AvroRecord = Record<string, unknown>;

export interface RecordContract<T> {
  /** Full Avro name, e.g. `dev.shadow.v1.CapturedExchange`. */
  readonly name: string;
  readonly schema: AvroRecordSchema;
  readonly type: AvroType;
  toAvro(value: T): AvroRecord;
  fromAvro(record: AvroRecord): T;
  /**
   * Optional hand-written encoder: writes `value`'s Avro body in schema order, byte-identical to
   * `type.encode(toAvro(value))`, without the intermediate record. Returns false, having written
   * garbage, when `value` does not fit the schema; the serde then encodes through avsc, which
   * names the offending fields.
   */
  write?(value: T, out: AvroWriter): boolean;
}

export interface RecordContractDefinition<T> {
  schema: AvroRecordSchema;
  toAvro(value: T): AvroRecord;
  fromAvro(record: AvroRecord): T;
  write?(value: T, out: AvroWriter): boolean;
}

/** Parses an Avro schema with the options every contract uses (plain unions: `null | value`). */
export function parseAvroSchema(schema: AvroRecordSchema): AvroType {
  try {
    // avsc may annotate what it is given; hand it a private copy of the frozen schema.
    return avro.Type.forSchema(structuredClone(schema) as avro.Schema, { wrapUnions: false });
  } catch (error) {
    throw new ContractsError('CONTRACTS_SCHEMA_INVALID', `invalid Avro schema ${schema.name}: ${(error as Error).message}`, { cause: error });
  }
}

export function defineRecordContract<T>(definition: RecordContractDefinition<T>): RecordContract<T> {
  const type = parseAvroSchema(definition.schema);
  const name = definition.schema.namespace ? `${definition.schema.namespace}.${definition.schema.name}` : definition.schema.name;
  const contract: RecordContract<T> = { name, schema: definition.schema, type, toAvro: definition.toAvro, fromAvro: definition.fromAvro };
  return Object.freeze(definition.write === undefined ? contract : { ...contract, write: definition.write });
}

/** Field paths of `record` that do not match `type`, for error messages. */
export function invalidPaths(type: AvroType, record: unknown): string[] {
  const paths: string[] = [];
  try {
    type.isValid(record, {
      errorHook: (path: string[]) => {
        paths.push(path.join('.'));
      },
    });
  } catch {
    // isValid itself can throw on exotic values; the caller's message still stands.
  }
  return paths;
}

// ---- conversion helpers shared by the contracts ----

export function bytesIn(value: Buffer | Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Copies decoded bytes out of the message buffer so the record does not pin it in memory. */
export function bytesOut(value: unknown): Buffer {
  return Buffer.from(value as Buffer);
}

export function headersOut(value: unknown): Record<string, string[]> {
  return value as Record<string, string[]>;
}

/** Microsecond/millisecond figures arrive as floats from hrtime arithmetic; Avro longs are integers. */
export function long(value: number): number {
  return Math.round(value);
}
