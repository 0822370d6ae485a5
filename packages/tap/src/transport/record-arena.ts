// Where queued records live: already encoded, back to back in large unpooled slabs.
//
// The transport encodes each capture when it is offered (see kafka-transport.ts) and queues only
// the encoded bytes: a queued record costs its Avro frame plus a small fixed overhead, so the
// queue's byte bound is a real memory bound instead of an estimate of object graphs, and the
// capture's objects and bodies become garbage at once (young, cheap to collect) instead of living
// in the queue until their batch is sent.
//
// A record is a view into the current slab; a slab is freed by the GC once no queued record
// points into it. Records leave the queue in the order they entered, so at most the head slab
// (partly sent) and the tail slab (partly filled) hold bytes that are not charged to the queue:
// memory stays under the queue bound plus two slabs.
import type { RecordSerde } from '@shadow/contracts';

/** Per queued record, on top of its frame: the view object, the message object and the key string. */
export const QUEUED_RECORD_OVERHEAD = 256;

export class RecordArena {
  readonly slabBytes: number;
  #slab: Buffer;
  #offset = 0;

  constructor(slabBytes: number) {
    this.slabBytes = slabBytes;
    this.#slab = Buffer.allocUnsafeSlow(slabBytes);
  }

  /**
   * Encodes `value` (a Confluent frame, see RecordSerde.encodeFrameInto) after the last record and
   * returns a view of exactly its bytes. A record that does not fit starts a new slab, sized for it
   * when it is larger than a slab. Throws what the serde throws (CONTRACTS_ENCODE_FAILED).
   */
  encode<T>(serde: RecordSerde<T>, value: T): Buffer {
    let start = this.#offset;
    let end = serde.encodeFrameInto(value, this.#slab, start);
    if (end < 0) {
      // avsc returns minus the bytes missing past the end of the slab.
      const needed = this.#slab.length - start - end;
      this.#slab = Buffer.allocUnsafeSlow(Math.max(this.slabBytes, needed));
      start = 0;
      end = serde.encodeFrameInto(value, this.#slab, 0);
      if (end < 0) throw new Error(`record arena: a record of ${needed} bytes did not fit a slab of ${this.#slab.length}`);
    }
    this.#offset = end;
    return this.#slab.subarray(start, end);
  }
}
