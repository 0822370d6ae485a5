// Decodes exchange records and sorts what cannot be decoded into dead letters. A record that will
// never decode (bad magic byte, unknown schema id, truncated Avro, a record of another contract
// written to this topic) is a dead letter; a registry that is down is NOT: that error is thrown so
// the batch is retried later instead of dead-lettering good records.
import { capturedExchangeContract, isContractsError, RecordSerde, subjectFor } from '@shadow/contracts';
import type { CapturedExchange, SchemaRegistry } from '@shadow/contracts';
import type { KafkaMessage } from 'kafkajs';
import { ReplayError } from '../errors.js';

export const DEAD_LETTER_HEADERS = Object.freeze({
  reason: 'shadow-dlq-reason',
  code: 'shadow-dlq-code',
  sourceTopic: 'shadow-dlq-source-topic',
  sourcePartition: 'shadow-dlq-source-partition',
  sourceOffset: 'shadow-dlq-source-offset',
  consumer: 'shadow-dlq-consumer',
  time: 'shadow-dlq-time',
});

export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** The code, e.g. CONTRACTS_WIRE_FORMAT (for counting). */
  code: string;
}

export type Decoded = { ok: true; exchange: CapturedExchange } | { ok: false; deadLetter: DeadLetter };

const DEAD_CODES = new Set([
  'CONTRACTS_WIRE_FORMAT',
  'CONTRACTS_SCHEMA_NOT_FOUND',
  'CONTRACTS_DECODE_FAILED',
  'CONTRACTS_SCHEMA_INCOMPATIBLE',
  'CONTRACTS_SCHEMA_INVALID',
]);

export class ExchangeDecoder {
  readonly #serde: RecordSerde<CapturedExchange>;
  readonly #consumerName: string;

  constructor(registry: SchemaRegistry, exchangesTopic: string, consumerName: string) {
    this.#serde = new RecordSerde({ registry, contract: capturedExchangeContract, subject: subjectFor(exchangesTopic), autoRegister: false });
    this.#consumerName = consumerName;
  }

  async decode(message: KafkaMessage, topic: string, partition: number, expectedTopic: string): Promise<Decoded> {
    const dead = (code: string, reason: string): Decoded => ({
      ok: false,
      deadLetter: {
        key: message.key ?? null,
        value: message.value ?? null,
        code,
        headers: {
          [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 1000),
          [DEAD_LETTER_HEADERS.code]: code,
          [DEAD_LETTER_HEADERS.sourceTopic]: topic,
          [DEAD_LETTER_HEADERS.sourcePartition]: String(partition),
          [DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
          [DEAD_LETTER_HEADERS.consumer]: this.#consumerName,
          [DEAD_LETTER_HEADERS.time]: new Date().toISOString(),
        },
      },
    });
    if (topic !== expectedTopic) return dead('REPLAY_WRONG_TOPIC', `record from topic "${topic}", expected "${expectedTopic}"`);
    if (message.value === null || message.value.length === 0) return dead('REPLAY_EMPTY_VALUE', 'record has no value');
    try {
      const exchange = await this.#serde.decode(message.value);
      if (exchange.exchangeId === '') return dead('REPLAY_INVALID_EXCHANGE', 'exchange has an empty exchangeId');
      return { ok: true, exchange };
    } catch (error) {
      if (isContractsError(error) && DEAD_CODES.has(error.code)) return dead(error.code, error.message);
      if (isContractsError(error) && error.code === 'CONTRACTS_REGISTRY_UNAVAILABLE') {
        throw new ReplayError(
          'REPLAY_REGISTRY_UNAVAILABLE',
          `schema registry unavailable while decoding ${topic}/${partition}@${message.offset}: ${error.message}`,
          { cause: error },
        );
      }
      if (isContractsError(error)) return dead(error.code, error.message);
      throw error;
    }
  }
}
