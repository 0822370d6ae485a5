// Serializer/deserializer for one record contract on one subject.
//
// Encoding: the writer schema is looked up (or registered) once; after init() resolves, encodeSync
// is synchronous and allocation-light, so a producer's sender can encode a batch without awaiting.
//
// Decoding: a message may have been written with any registered version of the schema. The writer
// schema is fetched by id (the registry client caches it) and an avsc resolver from writer to reader
// is built once per writer id and cached. The registry client's own decode() can also resolve with
// a reader schema, but it re-parses the reader schema and rebuilds the resolver on every message.
import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import { ContractsError, toContractsError } from '../errors.js';
import type { AvroRecord, RecordContract } from '../schema/record-contract.js';
import { invalidPaths } from '../schema/record-contract.js';
import { AvroWriter } from './avro-writer.js';
import type { CompatibilityLevel, RecordSerdeOptions } from './options.js';
import { COMPATIBILITY_LEVELS } from './options.js';
import { schemaIdOf, WIRE_HEADER_BYTES, writeWireHeader } from './wire-format.js';

const INITIAL_SCRATCH_BYTES = 64 * 1024;

/** undefined: the reader reads the writer's bytes directly (same schema). */
type ReaderPlan = avro.Resolver | undefined;

export class RecordSerde<T> {
  readonly contract: RecordContract<T>;
  readonly subject: string;
  readonly #registry: SchemaRegistry;
  readonly #autoRegister: boolean;
  readonly #compatibility: CompatibilityLevel;
  readonly #schemaText: string;
  #schemaId: number | undefined;
  #init: Promise<number> | undefined;
  readonly #plans = new Map<number, Promise<ReaderPlan>>();
  #scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
  /** Reused by the contract's hand-written encoder, when it has one. */
  readonly #writer = new AvroWriter();

  constructor(options: RecordSerdeOptions<T>) {
    if (typeof options.subject !== 'string' || options.subject.length === 0) {
      throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', 'RecordSerde options.subject must be a non-empty string');
    }
    const compatibility = options.compatibility ?? 'BACKWARD';
    if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(compatibility)) {
      throw new ContractsError(
        'CONTRACTS_INVALID_ARGUMENT',
        `RecordSerde options.compatibility must be one of ${COMPATIBILITY_LEVELS.join(', ')}; got "${String(compatibility)}"`,
      );
    }
    this.contract = options.contract;
    this.subject = options.subject;
    this.#registry = options.registry;
    this.#autoRegister = options.autoRegister ?? true;
    this.#compatibility = compatibility;
    this.#schemaText = JSON.stringify(options.contract.schema);
  }

  /** Registry id of the writer schema, once init() has resolved. */
  get schemaId(): number | undefined {
    return this.#schemaId;
  }

  /**
   * Looks the writer schema up under the subject, registering it when absent (autoRegister).
   * Concurrent calls share one request; a failure is not cached, so the next call retries.
   */
  init(): Promise<number> {
    this.#init ??= this.#resolveSchemaId().then(
      (id) => {
        this.#schemaId = id;
        this.#plans.set(id, Promise.resolve(undefined));
        return id;
      },
      (error: unknown) => {
        this.#init = undefined;
        throw toContractsError(error);
      },
    );
    return this.#init;
  }

  async #resolveSchemaId(): Promise<number> {
    const confluentSchema = { type: SchemaType.AVRO, schema: this.#schemaText } as const;
    try {
      return await this.#registry.getRegistryIdBySchema(this.subject, confluentSchema);
    } catch (error) {
      // The client turns a lookup 404 into a bare ConfluentSchemaRegistryError (status dropped).
      const notFound = error instanceof Error && error.name === 'ConfluentSchemaRegistryError';
      if (!notFound) throw toContractsError(error);
      if (!this.#autoRegister) {
        throw new ContractsError(
          'CONTRACTS_SCHEMA_NOT_FOUND',
          `${this.contract.name} is not registered under subject "${this.subject}" and autoRegister is off`,
          { cause: error },
        );
      }
    }
    try {
      const { id } = await this.#registry.register(confluentSchema, {
        subject: this.subject,
        compatibility: COMPATIBILITY[this.#compatibility],
      });
      return id;
    } catch (error) {
      // Several producers starting together all see the subject missing and all register: the
      // schema itself is then registered, but pinning the subject's compatibility races (Apicurio
      // answers 409 "A rule named 'COMPATIBILITY' already exists" to all but one). Whatever failed,
      // if the schema is now registered under the subject, that is the id to use.
      const registered = await this.#registry.getRegistryIdBySchema(this.subject, confluentSchema).catch(() => undefined);
      if (registered !== undefined) return registered;
      const converted = toContractsError(error);
      if (converted.code === 'CONTRACTS_SCHEMA_INCOMPATIBLE') {
        throw new ContractsError(
          'CONTRACTS_SCHEMA_INCOMPATIBLE',
          `${this.contract.name} is not ${this.#compatibility}-compatible with the versions registered under "${this.subject}": ${converted.message}`,
          { cause: error },
        );
      }
      throw converted;
    }
  }

  /** init() then encodeSync(). */
  async encode(value: T): Promise<Buffer> {
    await this.init();
    return this.encodeSync(value);
  }

  /**
   * Confluent-framed Avro bytes of `value`. Requires a resolved init() (CONTRACTS_NOT_INITIALIZED
   * otherwise); CONTRACTS_ENCODE_FAILED names the offending fields when the value does not fit.
   */
  encodeSync(value: T): Buffer {
    const schemaId = this.#schemaId;
    if (schemaId === undefined) {
      throw new ContractsError('CONTRACTS_NOT_INITIALIZED', `RecordSerde for "${this.subject}" used before init() resolved`);
    }
    let end = this.encodeFrameInto(value, this.#scratch, 0);
    if (end < 0) {
      // minus the number of missing bytes: grow with headroom and write again.
      this.#scratch = Buffer.allocUnsafe(Math.ceil((this.#scratch.length - end) * 1.5));
      end = this.encodeFrameInto(value, this.#scratch, 0);
    }
    const out = Buffer.allocUnsafe(end);
    this.#scratch.copy(out, 0, 0, end);
    return out;
  }

  /**
   * Writes the Confluent frame of `value` into `target` at `offset`: the 5-byte header, then the
   * Avro body. Returns the end offset, or minus the number of bytes missing when `target` is too
   * small (what was written is then garbage). Unlike encodeSync it works before init() resolved:
   * the header is then left for stampWireHeader() (a producer that encodes as records arrive and
   * learns the schema id later). CONTRACTS_ENCODE_FAILED names the offending fields.
   */
  encodeFrameInto(value: T, target: Buffer, offset: number): number {
    // The contract's hand-written encoder when it has one (same bytes, no intermediate record).
    if (this.contract.write !== undefined) {
      const writer = this.#writer.reset(target, offset + WIRE_HEADER_BYTES);
      let written = false;
      try {
        written = this.contract.write(value, writer);
      } catch {
        // e.g. a getter that throws: the avsc path below reports it
      }
      if (written) {
        if (!writer.fits) return target.length - writer.pos; // avsc's convention: minus the bytes missing
        if (this.#schemaId !== undefined) writeWireHeader(target, this.#schemaId, offset);
        return writer.pos;
      }
    }
    let record: AvroRecord;
    try {
      record = this.contract.toAvro(value);
    } catch (error) {
      throw new ContractsError('CONTRACTS_ENCODE_FAILED', `${this.contract.name}: cannot convert value: ${(error as Error).message}`, { cause: error });
    }
    let end: number;
    try {
      end = this.contract.type.encode(record, target, offset + WIRE_HEADER_BYTES);
    } catch (error) {
      const paths = invalidPaths(this.contract.type, record);
      const where = paths.length > 0 ? ` (invalid: ${paths.join(', ')})` : '';
      throw new ContractsError('CONTRACTS_ENCODE_FAILED', `${this.contract.name} does not match its schema${where}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (end >= 0 && this.#schemaId !== undefined) writeWireHeader(target, this.#schemaId, offset);
    return end;
  }

  /**
   * Writes the header of a frame from encodeFrameInto() (which may have run before the schema id
   * was known). Requires a resolved init().
   */
  stampWireHeader(frame: Buffer): void {
    const schemaId = this.#schemaId;
    if (schemaId === undefined) {
      throw new ContractsError('CONTRACTS_NOT_INITIALIZED', `RecordSerde for "${this.subject}" used before init() resolved`);
    }
    writeWireHeader(frame, schemaId);
  }

  /** Decodes a Confluent-framed message written with any registered version into the reader's shape. */
  async decode(message: Buffer): Promise<T> {
    const schemaId = schemaIdOf(message);
    const plan = await this.#planFor(schemaId);
    let record: AvroRecord;
    try {
      record = this.contract.type.fromBuffer(message.subarray(WIRE_HEADER_BYTES), plan) as AvroRecord;
    } catch (error) {
      throw new ContractsError(
        'CONTRACTS_DECODE_FAILED',
        `cannot decode ${this.contract.name} written with schema id ${schemaId}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return this.contract.fromAvro(record);
  }

  #planFor(schemaId: number): Promise<ReaderPlan> {
    let plan = this.#plans.get(schemaId);
    if (plan === undefined) {
      plan = this.#buildPlan(schemaId);
      this.#plans.set(schemaId, plan);
      // Failures (registry down, incompatible writer) are not cached: the next message retries.
      plan.catch(() => this.#plans.delete(schemaId));
    }
    return plan;
  }

  async #buildPlan(schemaId: number): Promise<ReaderPlan> {
    let writer: avro.Type;
    try {
      writer = (await this.#registry.getSchema(schemaId)) as unknown as avro.Type;
    } catch (error) {
      throw toContractsError(error);
    }
    const reader = this.contract.type;
    if (typeof writer.createResolver !== 'function') {
      throw new ContractsError('CONTRACTS_SCHEMA_INCOMPATIBLE', `schema id ${schemaId} is not an Avro schema`);
    }
    if (reader.equals(writer)) return undefined;
    try {
      return reader.createResolver(writer);
    } catch (error) {
      throw new ContractsError(
        'CONTRACTS_SCHEMA_INCOMPATIBLE',
        `${this.contract.name} cannot read records written with schema id ${schemaId}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}
