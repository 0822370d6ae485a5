// infra/patches/kafkajs@2.2.4.patch encodes the records of a produce request without headers in
// one pass. This checks, byte for byte, that a request encodes exactly as kafkajs' own per-record
// path (Record v0 + RecordBatch, still in the package and used for records with headers) would.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

const require = createRequire(import.meta.url);
type Encoder = {
  buffer: Buffer;
  writeInt32(n: number): Encoder;
  writeEncoder(e: Encoder): Encoder;
  writeString(s: string | null): Encoder;
  writeInt16(n: number): Encoder;
  writeArray(a: unknown[]): Encoder;
};
type Message = { key?: string | Buffer | null; value: string | Buffer | null; timestamp?: string | number; headers?: Record<string, string> };
const EncoderClass = require('kafkajs/src/protocol/encoder') as new () => Encoder;
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => Encoder;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (b: object) => Promise<Encoder> };
const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request') as (r: object) => { encode(): Promise<Encoder> };
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (a: object) => Record<string, Message[]>;
const { Types } = require('kafkajs/src/protocol/message/compression') as { Types: { None: number; GZIP: number } };
const Long = require('kafkajs/src/utils/long') as { fromValue(n: number): unknown };

/** The produce v3 body as unpatched kafkajs builds it (one topic, one partition). */
async function expected(compression: number, messages: Message[], now: number): Promise<Buffer> {
  const timestamps = messages
    .map((m) => m.timestamp)
    .filter((t) => t != null)
    .sort();
  const all = timestamps.length === 0 ? [now] : timestamps;
  const first = all[0] as number;
  const records = messages.map((m, i) => Record({ ...m, offsetDelta: i, timestampDelta: (Number(m.timestamp) || now) - first }));
  const batch = await RecordBatch({
    compression,
    records,
    firstTimestamp: first,
    maxTimestamp: all[all.length - 1],
    producerId: Long.fromValue(7),
    producerEpoch: 1,
    firstSequence: 3,
    transactional: false,
    lastOffsetDelta: records.length - 1,
  });
  const partition = new EncoderClass()
    .writeInt32(2)
    .writeInt32((batch as unknown as { size(): number }).size())
    .writeEncoder(batch);
  const topic = new EncoderClass().writeString('t').writeArray([partition]);
  return new EncoderClass().writeString(null).writeInt16(-1).writeInt32(30_000).writeArray([topic]).buffer;
}

async function actual(compression: number, messages: Message[]): Promise<Buffer> {
  const request = produceV3({
    acks: -1,
    timeout: 30_000,
    compression,
    producerId: Long.fromValue(7),
    producerEpoch: 1,
    topicData: [{ topic: 't', partitions: [{ partition: 2, firstSequence: 3, messages }] }],
  });
  return (await request.encode()).buffer;
}

describe('kafkajs patch: one-pass record encoding', () => {
  afterEach(() => vi.restoreAllMocks());

  const cases: [string, () => Message[]][] = [
    ['string keys, Buffer values (the tap)', () => Array.from({ length: 300 }, (_, i) => ({ key: `0193a1b2-${i}`, value: randomBytes(i * 7) }))],
    [
      'null and Buffer keys, string and null values, non-ASCII',
      () => [
        { key: null, value: 'plain' },
        { key: Buffer.from([0, 255]), value: null },
        { value: 'é-日本-🚀'.repeat(50) },
        { key: 'k', value: Buffer.alloc(0) },
      ],
    ],
    [
      'explicit timestamps (numbers and strings, unsorted)',
      () => [
        { key: 'a', value: 'x', timestamp: 1_700_000_000_500 },
        { key: 'b', value: 'y', timestamp: '1700000000000' },
        { key: 'c', value: 'z', timestamp: 1_700_000_090_000 },
      ],
    ],
    ['a value over 2 MiB (multi-byte length varints)', () => [{ key: 'big', value: randomBytes(2 * 1024 * 1024 + 3) }]],
  ];

  for (const compression of ['None', 'GZIP'] as const) {
    for (const [name, make] of cases) {
      it(`${compression}: ${name}`, async () => {
        const now = 1_763_000_000_123;
        vi.spyOn(Date, 'now').mockReturnValue(now);
        const messages = make();
        const mine = await actual(Types[compression], messages);
        const theirs = await expected(Types[compression], messages, now);
        expect(mine.equals(theirs)).toBe(true);
      });
    }
  }

  it('records with headers still take kafkajs’ own path', async () => {
    const now = 1_763_000_000_123;
    vi.spyOn(Date, 'now').mockReturnValue(now);
    const messages = [
      { key: 'a', value: 'x' },
      { key: 'b', value: 'y', headers: { trace: 'abc' } },
    ];
    expect((await actual(Types.None, messages)).equals(await expected(Types.None, messages, now))).toBe(true);
  });

  it('groups messages per partition in order, linearly', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: String(i), value: null, partition: i % 3 }));
    const grouped = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }],
      messages,
      partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    });
    expect(Object.keys(grouped)).toEqual(['0', '1', '2']);
    expect(grouped['1']?.map((m) => m.key)).toEqual(['1', '4', '7']);
  });
});
