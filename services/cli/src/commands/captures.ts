// `shadow captures`: what the taps captured in a window, read from the exchanges topic itself (not
// from ClickHouse: this is the question "is anything being captured at all?"). The window is by
// capture time; Kafka finds each partition's first and last offsets by record timestamp (the
// producer's send time, a little after capture: a minute of slack on both sides), then the records
// in between are read once. Counting reads three fields of each record (exchange id, capture time,
// service) through a projection of the writer schema, so the bodies are skipped, not decoded; only
// the last --tail N are decoded whole, as the tap captured them (redacted fields already absent).
import { randomUUID } from 'node:crypto';
import type { CapturedExchange } from '@shadow/contracts';
import { capturedExchangeContract, createSchemaRegistry, defineRecordContract, RecordSerde, schemas, subjectFor, topicNames } from '@shadow/contracts';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Kafka } from 'kafkajs';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { kafkaFor, resolveBrokers, resolveRegistry } from '../kafka-connection.js';
import { integerIn, timeFlag } from '../options.js';
import { colorsFor } from './show.js';

const FORMATS = ['text', 'json'] as const;
/** Records are located by their Kafka timestamp (send time), a little after capture: this much slack on both sides. */
const SLACK_MS = 60_000;

interface CapturesFlags {
  since: number;
  until?: number;
  service?: string[];
  tail: number;
  topic?: string;
  topicPrefix: string;
  brokers?: string;
  schemaRegistryUrl?: string;
  format: (typeof FORMATS)[number];
  maxRecords: number;
  timeoutMs: number;
}

interface Head {
  exchangeId: string;
  captureTimeMs: number;
  service: string;
}

/** The first three fields of the exchange schema: what counting needs; avsc skips the rest of each record. */
const headContract = defineRecordContract<Head>({
  schema: { ...schemas.capturedExchange, fields: schemas.capturedExchange.fields.filter((f) => ['exchangeId', 'captureTimeMs', 'service'].includes(f.name)) },
  toAvro: (head) => ({ ...head }),
  fromAvro: (record) => ({ exchangeId: String(record['exchangeId']), captureTimeMs: Number(record['captureTimeMs']), service: String(record['service']) }),
});

interface RawRecord {
  partition: number;
  offset: string;
  value: Buffer;
}

/**
 * Each partition's records between the offsets of `fromTs` and `toTs` (record timestamps), read once
 * through a throw-away consumer group that commits nothing and is deleted afterwards. Resolves with
 * what it read; `limit` bounds how many.
 */
async function readRange(
  kafka: Kafka,
  topic: string,
  fromTs: number,
  toTs: number,
  limit: number,
  timeoutMs: number,
  onRecord: (r: RawRecord) => Promise<void>,
): Promise<{ read: number; inRange: number; truncated: boolean }> {
  const admin = kafka.admin();
  await admin.connect();
  let ranges: Map<number, { start: number; end: number }>;
  try {
    const topics = await admin.fetchTopicMetadata({ topics: [topic] }).catch((error: unknown) => {
      throw new CliError(
        `captures: topic ${topic} cannot be read: ${error instanceof Error ? error.message : String(error)} (is the prefix right? shadow topics check)`,
        EXIT.problems,
      );
    });
    if (topics.topics[0] === undefined) throw new CliError(`captures: topic ${topic} does not exist (shadow topics ensure creates it)`, EXIT.problems);
    const high = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
    // -1: no record at or after the timestamp; the range then ends (or starts) at the end of the log.
    const at = async (ts: number): Promise<Map<number, number>> =>
      new Map(
        (await admin.fetchTopicOffsetsByTimestamp(topic, ts)).map((o) => [o.partition, Number(o.offset) < 0 ? (high.get(o.partition) ?? 0) : Number(o.offset)]),
      );
    const [starts, ends] = await Promise.all([at(fromTs), at(toTs)]);
    ranges = new Map([...starts].map(([p, start]) => [p, { start, end: Math.min(ends.get(p) ?? high.get(p) ?? start, high.get(p) ?? start) }]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const pending = new Map([...ranges].filter(([, r]) => r.end > r.start));
  const inRange = [...pending.values()].reduce((n, r) => n + (r.end - r.start), 0);
  if (pending.size === 0) return { read: 0, inRange: 0, truncated: false };

  const groupId = `shadow-cli-captures-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytes: 16 * 1024 * 1024 });
  let read = 0;
  let truncated = false;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new CliError(
              `captures: read ${read} of ${inRange} records of ${topic} within ${timeoutMs} ms; raise --timeout-ms or narrow the window`,
              EXIT.problems,
            ),
          ),
        timeoutMs,
      );
      const finish = (): void => {
        clearTimeout(timer);
        resolve();
      };
      void consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: true,
          eachBatch: async ({ batch }) => {
            const range = pending.get(batch.partition);
            if (range === undefined) return;
            for (const message of batch.messages) {
              const offset = Number(message.offset);
              if (offset < range.start) continue;
              if (offset >= range.end || read >= limit) break;
              read++;
              if (message.value !== null) await onRecord({ partition: batch.partition, offset: message.offset, value: message.value });
            }
            const last = Number(batch.lastOffset());
            if (last + 1 >= range.end || read >= limit) {
              pending.delete(batch.partition);
              consumer.pause([{ topic, partitions: [batch.partition] }]);
            }
            if (read >= limit && pending.size > 0) {
              truncated = true;
              pending.clear();
            }
            if (pending.size === 0) finish();
          },
        })
        .catch(reject);
    });
    // Partitions are assigned once the group is joined; seek each to its range's start.
    await new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    for (const [partition, range] of ranges) if (pending.has(partition)) consumer.seek({ topic, partition, offset: String(range.start) });
    await done;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin2 = kafka.admin();
    await admin2
      .connect()
      .then(() => admin2.deleteGroups([groupId]))
      .catch(() => undefined);
    await admin2.disconnect().catch(() => undefined);
  }
  return { read, inRange, truncated };
}

const minuteOf = (ms: number): number => Math.floor(ms / 60_000) * 60_000;
const minuteText = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function preview(body: Buffer, contentType: string | null, truncated: boolean, size: number): string {
  if (size === 0) return '(empty)';
  const text = body.toString('utf8');
  const binary =
    text.includes('\uFFFD') ||
    [...text.slice(0, 512)].some((ch) => ch.charCodeAt(0) < 0x09 || (ch.charCodeAt(0) > 0x0d && ch.charCodeAt(0) < 0x20)) ||
    (contentType !== null && /octet-stream|image\/|audio\/|video\//.test(contentType));
  if (binary) return `(${size} bytes${contentType === null ? '' : ` ${contentType}`}, binary)`;
  const one = text.replace(/\s+/g, ' ');
  return `${one.length > 200 ? `${one.slice(0, 200)}…` : one}${truncated ? ` (captured ${body.length} of ${size} bytes)` : ''}`;
}

function tailJson(e: CapturedExchange): Record<string, unknown> {
  const body = (b: Buffer, truncated: boolean, size: number, type: string | null) => ({
    size,
    truncated,
    contentType: type,
    preview: preview(b, type, truncated, size),
  });
  return {
    exchangeId: e.exchangeId,
    captureTime: new Date(e.captureTimeMs).toISOString(),
    service: e.service,
    environment: e.environment,
    method: e.method,
    path: e.path,
    query: e.query,
    routeTemplate: e.routeTemplate,
    status: e.responseStatus,
    liveLatencyMs: e.liveLatencyUs / 1000,
    requestHeaders: e.requestHeaders,
    responseHeaders: e.responseHeaders,
    requestBody: body(e.requestBody, e.requestBodyTruncated, e.requestBodySize, e.requestContentType),
    responseBody: body(e.responseBody, e.responseBodyTruncated, e.responseBodySize, e.responseContentType),
  };
}

async function run(flags: CapturesFlags, io: CliIo, now: number): Promise<number> {
  const until = flags.until ?? now;
  if (flags.since >= until)
    throw new CliError(`--since (${new Date(flags.since).toISOString()}) must be before --until (${new Date(until).toISOString()})`, EXIT.usage);
  const source = resolveBrokers(flags.brokers, io);
  const registry = resolveRegistry(flags.schemaRegistryUrl, io);
  io.err(`kafka: ${source.brokers.join(',')} (from ${source.from}); registry: ${registry.url} (from ${registry.from})`);
  const topic = flags.topic ?? topicNames(flags.topicPrefix).exchanges;
  const client = createSchemaRegistry({ url: registry.url });
  const subject = subjectFor(topic);
  const heads = new RecordSerde({ registry: client, contract: headContract, subject, autoRegister: false });
  const full = new RecordSerde({ registry: client, contract: capturedExchangeContract, subject, autoRegister: false });
  const services = flags.service === undefined ? undefined : new Set(flags.service);

  const counts = new Map<number, Map<string, number>>();
  const totals = new Map<string, number>();
  const last: { head: Head; value: Buffer }[] = [];
  const newestFirst = (list: typeof last): typeof last =>
    list.sort((a, b) => b.head.captureTimeMs - a.head.captureTimeMs || b.head.exchangeId.localeCompare(a.head.exchangeId));
  let undecodable = 0;
  let firstError = '';
  const kafka = kafkaFor(source, flags.timeoutMs);
  let result;
  try {
    result = await readRange(kafka, topic, flags.since - SLACK_MS, until + SLACK_MS, flags.maxRecords, flags.timeoutMs, async (record) => {
      let head: Head;
      try {
        head = await heads.decode(record.value);
      } catch (error) {
        undecodable++;
        firstError ||= error instanceof Error ? error.message : String(error);
        return;
      }
      if (head.captureTimeMs < flags.since || head.captureTimeMs >= until) return;
      if (services !== undefined && !services.has(head.service)) return;
      const minute = minuteOf(head.captureTimeMs);
      const row = counts.get(minute) ?? new Map<string, number>();
      row.set(head.service, (row.get(head.service) ?? 0) + 1);
      counts.set(minute, row);
      totals.set(head.service, (totals.get(head.service) ?? 0) + 1);
      if (flags.tail > 0) {
        // The newest N by capture time (partitions arrive interleaved): a buffer of at most 2N, cut back to N.
        last.push({ head, value: record.value });
        if (last.length >= flags.tail * 2) newestFirst(last).splice(flags.tail);
      }
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`captures: ${error instanceof Error ? error.message : String(error)}`, EXIT.problems);
  }
  const tail: CapturedExchange[] = [];
  for (const record of newestFirst(last).slice(0, flags.tail).reverse()) tail.push(await full.decode(record.value));
  const total = [...totals.values()].reduce((a, b) => a + b, 0);
  const window = { from: new Date(flags.since).toISOString(), to: new Date(until).toISOString() };

  if (flags.format === 'json') {
    io.out(
      JSON.stringify(
        {
          topic,
          window,
          total,
          services: Object.fromEntries([...totals].sort()),
          minutes: [...counts]
            .sort(([a], [b]) => a - b)
            .map(([minute, row]) => ({ minute: new Date(minute).toISOString(), counts: Object.fromEntries([...row].sort()) })),
          recordsRead: result.read,
          truncated: result.truncated,
          undecodable,
          tail: tail.map(tailJson),
        },
        null,
        2,
      ),
    );
  } else {
    const c = colorsFor(io);
    const names = [...totals.keys()].sort();
    io.out(
      `${c.bold(`captures on ${topic}`)}, by capture time ${window.from} .. ${window.to}${services === undefined ? '' : `, services ${[...services].join(', ')}`}: ${total}`,
    );
    if (total > 0) {
      const width = Math.max(7, ...names.map((n) => n.length));
      io.out(c.dim(`  ${'minute (UTC)'.padEnd(16)}  ${names.map((n) => n.padStart(width)).join('  ')}  ${'total'.padStart(7)}`));
      for (const [minute, row] of [...counts].sort(([a], [b]) => a - b)) {
        const sum = [...row.values()].reduce((a, b) => a + b, 0);
        io.out(`  ${minuteText(minute).padEnd(16)}  ${names.map((n) => String(row.get(n) ?? 0).padStart(width)).join('  ')}  ${String(sum).padStart(7)}`);
      }
      io.out(c.bold(`  ${'total'.padEnd(16)}  ${names.map((n) => String(totals.get(n) ?? 0).padStart(width)).join('  ')}  ${String(total).padStart(7)}`));
    }
    if (tail.length > 0) {
      io.out('');
      io.out(c.bold(`last ${tail.length} (decoded as captured: redacted fields are absent)`));
      for (const e of tail) {
        io.out(
          `  ${new Date(e.captureTimeMs).toISOString()}  ${e.service}  ${e.method} ${e.path}${e.query === '' ? '' : `?${e.query}`} -> ${e.responseStatus} in ${(e.liveLatencyUs / 1000).toFixed(1)} ms  ${c.dim(e.exchangeId)}`,
        );
        const headers = Object.entries(e.requestHeaders)
          .map(([k, v]) => `${k}: ${v.join(', ')}`)
          .join('; ');
        if (headers !== '') io.out(c.dim(`      request headers  ${headers.length > 300 ? `${headers.slice(0, 300)}…` : headers}`));
        io.out(c.dim(`      request body     ${preview(e.requestBody, e.requestContentType, e.requestBodyTruncated, e.requestBodySize)}`));
        io.out(c.dim(`      response body    ${preview(e.responseBody, e.responseContentType, e.responseBodyTruncated, e.responseBodySize)}`));
      }
    }
  }
  if (result.truncated)
    io.err(`note: stopped after --max-records ${flags.maxRecords} records: the counts are a lower bound; narrow the window or raise --max-records`);
  if (undecodable > 0)
    io.err(`note: ${undecodable} records could not be decoded (first: ${firstError}); the dead-letter topic is where a tap's encoding failures go`);
  return EXIT.ok;
}

function serviceName(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(value)) throw new InvalidArgumentError('a service name is 1-128 ASCII letters, digits, ".", "_" or "-".');
  return value;
}

function prefixValue(value: string): string {
  if (!/^[a-zA-Z0-9._-]*$/.test(value)) throw new InvalidArgumentError('may only contain ASCII letters, digits, ".", "_" and "-".');
  return value;
}

/** Adds `captures` to the program. */
export function registerCapturesCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('captures')
    .description('what the taps captured: counts per service and minute from the exchanges topic, and the last N decoded (--tail)')
    .option(
      '--since <time>',
      'window start by capture time: a duration back from now (1h, 30m), ISO-8601 with a zone, epoch s/ms',
      timeFlag(),
      Date.now() - 3_600_000,
    )
    .option('--until <time>', 'window end, exclusive, same forms (default: now)', timeFlag())
    .option('--service <name...>', 'only these services', (v: string, prev: string[] | undefined) => [...(prev ?? []), serviceName(v)])
    .option('--tail <n>', 'also decode and print the last n captures of the window (as captured: redacted)', integerIn(0, 1000), 0)
    .option('--topic <name>', 'the exchanges topic (default: <prefix>shadow.exchanges.v1)')
    .option('--topic-prefix <prefix>', 'prefix of the topic names, as given to the taps', prefixValue, '')
    .option('--brokers <list>', 'Kafka bootstrap brokers, host:port[,host:port] (default: $KAFKA_BROKERS, else the local stack)')
    .option('--schema-registry-url <url>', 'schema registry (default: $SCHEMA_REGISTRY_URL, else the local stack)')
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('text'))
    .option('--max-records <n>', 'read at most this many records of the window', integerIn(1, 100_000_000), 1_000_000)
    .option('--timeout-ms <ms>', 'bound on the whole read', integerIn(1000, 3_600_000), 120_000)
    .addHelpText(
      'after',
      `
Examples:
  shadow captures --since 1h                         every service, per minute
  shadow captures --since 15m --service pricing --tail 5

Exit codes: 0 counted (none is an answer too); 1 Kafka or the registry failed, the topic is missing,
or the read did not finish within --timeout-ms; 2 a bad flag.`,
    )
    .action(async (flags: CapturesFlags) => setExitCode(await run(flags, io, Date.now())));
}
