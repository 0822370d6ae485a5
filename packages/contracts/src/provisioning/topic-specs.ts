// What each topic must look like, derived in one place for every producer of topics: the
// `shadow topics ensure` command, a tap creating its own topic on the local stack, the kill-switch
// watcher creating the control topic. The rules:
// - exchanges, results and sideEffects are joined by exchange id: records about one exchange are
//   keyed by its id, so they land on the same partition number only when the counts are equal.
// - deadLetter takes the same count (consumers of each joined topic write to it by the same key).
// - labels takes the same count too: keyed by exchange id, so a label lands on its exchange's partition.
// - progress is joined too: a replayer writes each record to the partition number of the exchanges
//   it describes, and the joiner consumes it in the same group as the exchanges.
// - control is compacted with one partition: the latest value per key is the kill-switch state,
//   retention must never delete it, and tombstones must outlive any tap's restart-and-read.
import type { ITopicConfig } from 'kafkajs';
import type { TopicRole } from '../topics.js';

/** Roles whose partitions are joined by exchange id: their partition counts must be equal. */
export const JOINED_ROLES: readonly TopicRole[] = Object.freeze(['exchanges', 'results', 'sideEffects', 'progress']);

/** How long a tombstone on the control topic is kept after compaction: a day, generous for any restart. */
export const CONTROL_TOMBSTONE_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface TopicSpecOptions {
  /** Partitions of a data topic (ignored for control, which has one). */
  partitions: number;
  replicationFactor?: number | null | undefined;
  retentionMs?: number | null | undefined;
}

/** The kafkajs `createTopics` entry for the topic `name` playing `role`. */
export function topicSpec(role: TopicRole, name: string, options: TopicSpecOptions): ITopicConfig {
  const spec: ITopicConfig = { topic: name };
  if (options.replicationFactor !== undefined && options.replicationFactor !== null) spec.replicationFactor = options.replicationFactor;
  if (role === 'control') {
    spec.numPartitions = 1;
    spec.configEntries = [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'delete.retention.ms', value: String(CONTROL_TOMBSTONE_RETENTION_MS) },
    ];
    return spec;
  }
  spec.numPartitions = options.partitions;
  if (options.retentionMs !== undefined && options.retentionMs !== null) {
    spec.configEntries = [{ name: 'retention.ms', value: String(options.retentionMs) }];
  }
  return spec;
}
