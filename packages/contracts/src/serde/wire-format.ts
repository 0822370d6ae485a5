// Confluent wire format: one magic byte (0), the writer schema id as a 4-byte big-endian integer,
// then the Avro binary encoding of the record.
import { ContractsError } from '../errors.js';

export const MAGIC_BYTE = 0;
export const WIRE_HEADER_BYTES = 5;

export function writeWireHeader(target: Buffer, schemaId: number, offset = 0): void {
  target[offset] = MAGIC_BYTE;
  target.writeUInt32BE(schemaId, offset + 1);
}

/** Writer schema id of a Confluent-framed message. Throws CONTRACTS_WIRE_FORMAT when not framed. */
export function schemaIdOf(message: Uint8Array): number {
  if (message.length < WIRE_HEADER_BYTES) {
    throw new ContractsError('CONTRACTS_WIRE_FORMAT', `message of ${message.length} bytes is shorter than the ${WIRE_HEADER_BYTES}-byte Confluent header`);
  }
  if (message[0] !== MAGIC_BYTE) {
    throw new ContractsError('CONTRACTS_WIRE_FORMAT', `message starts with byte ${message[0]}, expected the Confluent magic byte ${MAGIC_BYTE}`);
  }
  return Buffer.from(message.buffer, message.byteOffset, message.byteLength).readUInt32BE(1);
}
