// Co-partitioned assignment. Every record about one exchange is keyed by the exchange id and placed
// by the same murmur2 partitioner, so partition N of exchanges, results and side effects holds the
// same exchanges. The join is local only if one member owns partition N of *every* topic, which
// kafkajs' only built-in assigner (round robin over all topic-partitions) does not guarantee. This
// assigner groups partitions by number into tasks, as Kafka Streams does, and hands whole tasks out.
import { AssignerProtocol } from 'kafkajs';
import type { Cluster, GroupMemberAssignment, PartitionAssigner } from 'kafkajs';
import { JoinError } from '../errors.js';

export const CO_PARTITION_ASSIGNER_NAME = 'ShadowCoPartitionAssigner';

/** Partition numbers per topic, for each member. */
export type CoPartitionAssignment = Map<string, Record<string, number[]>>;

/**
 * Fails with JOIN_PARTITION_MISMATCH (naming every topic and its count) unless all topics have the
 * same, positive number of partitions. Returns that number.
 */
export function checkCoPartitioned(partitionCounts: Readonly<Record<string, number>>): number {
  const entries = Object.entries(partitionCounts);
  if (entries.length === 0) throw new JoinError('JOIN_INVALID_OPTIONS', 'no topics to co-partition');
  const missing = entries.filter(([, n]) => n <= 0);
  if (missing.length > 0) {
    throw new JoinError(
      'JOIN_TOPIC_MISSING',
      `topic(s) ${missing.map(([t]) => `"${t}"`).join(', ')} do not exist or have no partitions; create them (shadow topics ensure) with the same partition count as the others`,
    );
  }
  const counts = new Set(entries.map(([, n]) => n));
  if (counts.size > 1) {
    throw new JoinError(
      'JOIN_PARTITION_MISMATCH',
      `the joined topics must have equal partition counts, got ${entries.map(([t, n]) => `${t}=${n}`).join(', ')}; ` +
        'recreate or expand them to one count (records about one exchange must share a partition number)',
    );
  }
  return entries[0]?.[1] ?? 0;
}

/**
 * Pure assignment: partition p of every topic goes to member sortedMembers[p % members]. Members are
 * sorted so every leader computes the same answer.
 */
export function assignCoPartitioned(memberIds: readonly string[], partitionCounts: Readonly<Record<string, number>>): CoPartitionAssignment {
  const count = checkCoPartitioned(partitionCounts);
  const members = [...memberIds].sort();
  const result: CoPartitionAssignment = new Map(members.map((m) => [m, {}]));
  if (members.length === 0) return result;
  const topics = Object.keys(partitionCounts).sort();
  for (let partition = 0; partition < count; partition++) {
    const member = members[partition % members.length] as string;
    const assignment = result.get(member) as Record<string, number[]>;
    for (const topic of topics) (assignment[topic] ??= []).push(partition);
  }
  return result;
}

function partitionCountsOf(cluster: Cluster, topics: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const topic of topics) {
    try {
      counts[topic] = cluster.findTopicPartitionMetadata(topic).length;
    } catch {
      counts[topic] = 0;
    }
  }
  return counts;
}

/** The kafkajs assigner: `partitionAssigners: [coPartitionAssigner]` in the consumer's config. */
export const coPartitionAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITION_ASSIGNER_NAME,
  version: 1,
  async assign({ members, topics }): Promise<GroupMemberAssignment[]> {
    const assignment = assignCoPartitioned(
      members.map((m) => m.memberId),
      partitionCountsOf(cluster, topics),
    );
    return [...assignment].map(([memberId, topicPartitions]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: topicPartitions, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return {
      name: CO_PARTITION_ASSIGNER_NAME,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    };
  },
});
