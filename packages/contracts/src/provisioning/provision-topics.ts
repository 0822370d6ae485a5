// ensureTopics / checkTopics: the one way every topic of the system is created and checked.
//
// Both observe the broker the same way (listTopics, then metadata and configs of the topics that
// exist: a metadata request naming a missing topic could auto-create it with the broker's default
// partition count, which is exactly the unjoinable topic this module exists to prevent), then judge
// what they saw with the pure `assessTopics`. ensureTopics creates what is missing and never alters
// what exists: changing a partition count moves keys between partitions, so a mismatch is reported
// for a human to resolve instead.
import type { Admin, ConfigResourceTypes, ITopicConfig, Kafka } from 'kafkajs';
import { ContractsError } from '../errors.js';
import { topicNames } from '../topics.js';
import type { TopicRole } from '../topics.js';
import type { ResolvedTopicsOptions, TopicsOptions } from './options.js';
import { ALL_TOPIC_ROLES, resolveTopicsOptions } from './options.js';
import { JOINED_ROLES, topicSpec } from './topic-specs.js';
import type { TopicAction, TopicsReport, TopicStatus } from './types.js';

/** Anything that hands out a kafkajs admin client: a `Kafka` instance. */
export type KafkaAdminSource = Pick<Kafka, 'admin'>;

/** What the broker holds for one topic. */
export interface ObservedTopic {
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly cleanupPolicy: string | null;
}

/** The command that fixes a missing topic, for error messages. */
export function ensureCommandFor(prefix: string): string {
  return prefix === '' ? 'shadow topics ensure' : `shadow topics ensure --topic-prefix ${prefix}`;
}

/**
 * The partition count missing joined topics are created with and existing ones are held to: the
 * `partitions` option when given, else the count the existing joined topics share (exchanges
 * first), else the default.
 */
export function referencePartitions(options: ResolvedTopicsOptions, observed: ReadonlyMap<string, ObservedTopic>): number {
  if (options.partitionsGiven) return options.partitions;
  const names = topicNames(options.prefix);
  for (const role of [...JOINED_ROLES, 'deadLetter'] as const) {
    const seen = observed.get(names[role]);
    if (seen !== undefined) return seen.partitions;
  }
  return options.partitions;
}

/** Judges what the broker holds against what the system needs. Pure. */
export function assessTopics(
  options: ResolvedTopicsOptions,
  observed: ReadonlyMap<string, ObservedTopic>,
  created: ReadonlySet<string> = new Set(),
): TopicsReport {
  const names = topicNames(options.prefix);
  const reference = referencePartitions(options, observed);
  const fix = ensureCommandFor(options.prefix);
  const statuses: TopicStatus[] = [];
  const problems: string[] = [];
  for (const role of options.roles) {
    const name = names[role];
    const seen = observed.get(name);
    const own: string[] = [];
    let action: TopicAction;
    if (seen === undefined) {
      action = 'missing';
      own.push(`topic ${name} (${role}) does not exist; create it with \`${fix}\``);
    } else {
      action = created.has(name) ? 'created' : 'exists';
      if (role === 'control') {
        if (seen.cleanupPolicy !== null && !seen.cleanupPolicy.split(',').includes('compact')) {
          own.push(
            `topic ${name} (control) has cleanup.policy=${seen.cleanupPolicy}; it must be compact, or retention deletes the kill-switch state (kafka-configs --alter --add-config cleanup.policy=compact)`,
          );
        }
      } else if (seen.partitions !== reference) {
        const source = options.partitionsGiven ? 'asked for with partitions' : 'held by the topics it is joined with';
        own.push(
          `topic ${name} (${role}) has ${seen.partitions} partitions, not the ${reference} ${source}: records about one exchange would land on different partition numbers and the joiner could not pair them; recreate it with ${reference} partitions`,
        );
      }
      if (options.replicationFactor !== null && seen.replicationFactor !== options.replicationFactor) {
        own.push(`topic ${name} (${role}) has replication factor ${seen.replicationFactor}, not ${options.replicationFactor}`);
      }
    }
    problems.push(...own);
    statuses.push(
      Object.freeze({
        name,
        role,
        action,
        partitions: seen?.partitions ?? null,
        replicationFactor: seen?.replicationFactor ?? null,
        cleanupPolicy: seen?.cleanupPolicy ?? null,
        problems: Object.freeze(own),
      }),
    );
  }
  return Object.freeze({ ok: problems.length === 0, topics: Object.freeze(statuses), problems: Object.freeze(problems) });
}

// kafkajs is CommonJS and Node's ESM loader does not see ConfigResourceTypes as a named export
// (vitest does, which hides it): the enum's TOPIC value, spelled out.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ContractsError('CONTRACTS_UNKNOWN', `${what} did not finish within ${ms} ms`, { retriable: true })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function kafkaFailure(what: string, error: unknown): ContractsError {
  if (error instanceof ContractsError) return error;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ContractsError('CONTRACTS_UNKNOWN', `${what} failed: ${message}`, { cause: error, retriable: true });
}

async function observe(admin: Admin, options: ResolvedTopicsOptions): Promise<Map<string, ObservedTopic>> {
  const names = topicNames(options.prefix);
  const wanted = new Set(ALL_TOPIC_ROLES.map((role) => names[role]));
  const existing = (await admin.listTopics()).filter((topic) => wanted.has(topic));
  const observed = new Map<string, ObservedTopic>();
  if (existing.length === 0) return observed;
  const [{ topics: metadata }, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics: existing }),
    admin.describeConfigs({
      includeSynonyms: false,
      resources: existing.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: ['cleanup.policy'] })),
    }),
  ]);
  const policies = new Map(configs.resources.map((r) => [r.resourceName, r.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? null]));
  for (const topic of metadata) {
    const first = topic.partitions.find((p) => p.partitionId === 0) ?? topic.partitions[0];
    observed.set(topic.name, {
      partitions: topic.partitions.length,
      replicationFactor: first?.replicas.length ?? 0,
      cleanupPolicy: policies.get(topic.name) ?? null,
    });
  }
  return observed;
}

async function withAdmin<T>(kafka: KafkaAdminSource, options: ResolvedTopicsOptions, what: string, run: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  try {
    await withTimeout(`${what}: connecting to Kafka`, admin.connect(), options.timeoutMs);
    return await withTimeout(what, run(admin), options.timeoutMs);
  } catch (error) {
    throw kafkaFailure(what, error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Reports which of the system's topics are missing or unfit (a partition count that differs from
 * the topics it is joined with, a control topic that is not compacted, another replication factor
 * than asked). Changes nothing. Rejects with a retriable ContractsError only when Kafka cannot be
 * asked.
 */
export async function checkTopics(kafka: KafkaAdminSource, options: TopicsOptions = {}): Promise<TopicsReport> {
  const resolved = resolveTopicsOptions(options);
  return withAdmin(kafka, resolved, 'checking topics', async (admin) => assessTopics(resolved, await observe(admin, resolved)));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates `specs` (an existing topic is fine) and waits until every partition of each is listed
 * with a leader, or `timeoutMs` passes. kafkajs' own `waitForLeaders` retries only on
 * LEADER_NOT_AVAILABLE and throws UNKNOWN_TOPIC_OR_PARTITION when a busy broker's metadata trails
 * the creation; and a producer that sees fewer partitions than exist keys records onto the wrong ones.
 */
export async function createTopicsAndWait(admin: Admin, specs: readonly ITopicConfig[], timeoutMs: number): Promise<void> {
  await admin.createTopics({ waitForLeaders: false, timeout: timeoutMs, topics: [...specs] });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let ready = false;
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
      ready = specs.every((spec) => {
        const topic = metadata.find((t) => t.name === spec.topic);
        return (
          topic !== undefined &&
          (spec.numPartitions === undefined || topic.partitions.length >= spec.numPartitions) &&
          topic.partitions.every((p) => p.leader >= 0)
        );
      });
    } catch {
      // not in the metadata yet
    }
    if (ready) return;
    if (Date.now() > deadline)
      throw new ContractsError('CONTRACTS_UNKNOWN', `topics ${specs.map((s) => s.topic).join(', ')} created but without leaders after ${timeoutMs} ms`, {
        retriable: true,
      });
    await sleep(100);
  }
}

/**
 * Creates the missing topics (idempotent: an existing topic is left as it is, and a topic created
 * concurrently by someone else counts as existing), waits until their partitions have leaders, and
 * reports like `checkTopics`. Existing topics are never altered: a mismatch is reported, not fixed.
 */
export async function ensureTopics(kafka: KafkaAdminSource, options: TopicsOptions = {}): Promise<TopicsReport> {
  const resolved = resolveTopicsOptions(options);
  return withAdmin(kafka, resolved, 'ensuring topics', async (admin) => {
    const names = topicNames(resolved.prefix);
    const before = await observe(admin, resolved);
    const partitions = referencePartitions(resolved, before);
    const missing: TopicRole[] = resolved.roles.filter((role) => !before.has(names[role]));
    const created = new Set<string>();
    if (missing.length === 0) return assessTopics(resolved, before);
    const specs = missing.map((role) =>
      topicSpec(role, names[role], { partitions, replicationFactor: resolved.replicationFactor, retentionMs: resolved.retentionMs }),
    );
    // A topic created concurrently by someone else counts as existing: createTopics resolves false.
    await createTopicsAndWait(admin, specs, resolved.timeoutMs);
    for (const spec of specs) created.add(spec.topic);
    // Only the ones that did not exist before count as created; a racing creator's topic is 'created' too, which is what the caller cares about.
    return assessTopics(resolved, await observe(admin, resolved), created);
  });
}
