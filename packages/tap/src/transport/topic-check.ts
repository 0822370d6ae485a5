// What start() asks Kafka before the tap mirrors anything: does the exchanges topic exist?
//
// A producer pointed at a missing topic fails every batch with "This server does not host this
// topic-partition" (or, with broker auto-creation, creates a one-partition topic nobody can join
// with the replayer's results). So the answer is settled at start-up: the topic exists, or the tap
// creates it the way `shadow topics ensure` does (createTopic, on by default only for a local
// stack), or start() rejects with TAP_TOPIC_MISSING naming the topic and the command.
//
// The metadata request lists topics (listTopics) instead of naming the topic: a metadata request
// naming a missing topic lets a broker with auto.create.topics.enable create it.
import { createTopicsAndWait, DEFAULT_PARTITIONS, ensureCommandFor, ensureTopics, topicNames, topicSpec } from '@shadow/contracts';
import type { Kafka } from 'kafkajs';
import { TapError } from '../errors.js';

export interface TopicCheckRequest {
  readonly topic: string;
  /** The topic prefix the topic name came from ('' when none), for the command in the message. */
  readonly prefix: string;
  readonly createTopic: boolean;
  readonly brokers: readonly string[];
}

export interface TopicCheckResult {
  readonly topic: string;
  /** True when this call created it. */
  readonly created: boolean;
  readonly partitions: number;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?|\[?::ffff:127(?:\.\d{1,3}){3}\]?)$/i;

/** True when every broker is on this machine: the signature of a development stack (`npm run stack up`). */
export function isLocalStack(brokers: readonly string[]): boolean {
  return (
    brokers.length > 0 &&
    brokers.every((broker) => {
      const host = broker.includes(']') ? broker.slice(0, broker.lastIndexOf(']') + 1) : broker.slice(0, broker.lastIndexOf(':'));
      return LOOPBACK_HOST.test(host);
    })
  );
}

function missingTopicError(request: TopicCheckRequest): TapError {
  const command =
    request.topic === topicNames(request.prefix).exchanges
      ? ensureCommandFor(request.prefix)
      : `kafka-topics.sh --create --topic ${request.topic} --partitions ${DEFAULT_PARTITIONS}`;
  return new TapError(
    'TAP_TOPIC_MISSING',
    `topic "${request.topic}" does not exist on Kafka (${request.brokers.join(',')}): create it with \`${command}\`, or set kafka.createTopic: true to let the tap create it`,
  );
}

async function partitionsOf(kafka: Kafka, topic: string): Promise<number | null> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) return null;
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length ?? null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function create(kafka: Kafka, request: TopicCheckRequest): Promise<number> {
  if (request.topic === topicNames(request.prefix).exchanges) {
    // The provisioning module: the partition count of the topics it is joined with, or 6.
    const report = await ensureTopics(kafka, { prefix: request.prefix, roles: ['exchanges'] });
    return report.topics[0]?.partitions ?? DEFAULT_PARTITIONS;
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsAndWait(admin, [topicSpec('exchanges', request.topic, { partitions: DEFAULT_PARTITIONS })], 30_000);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return DEFAULT_PARTITIONS;
}

/**
 * Checks that the exchanges topic exists and creates it when allowed. Rejects with
 * TAP_TOPIC_MISSING (not retriable: someone must create the topic) or, when Kafka cannot be asked,
 * TAP_TRANSPORT_FAILED (retriable).
 */
export async function checkExchangeTopic(kafka: Kafka, request: TopicCheckRequest): Promise<TopicCheckResult> {
  let partitions: number | null;
  try {
    partitions = await partitionsOf(kafka, request.topic);
  } catch (error) {
    throw new TapError(
      'TAP_TRANSPORT_FAILED',
      `could not ask Kafka (${request.brokers.join(',')}) whether topic "${request.topic}" exists: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (partitions !== null) return { topic: request.topic, created: false, partitions };
  if (!request.createTopic) throw missingTopicError(request);
  try {
    return { topic: request.topic, created: true, partitions: await create(kafka, request) };
  } catch (error) {
    throw new TapError('TAP_TRANSPORT_FAILED', `could not create topic "${request.topic}": ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
