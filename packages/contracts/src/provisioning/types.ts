import type { TopicRole } from '../topics.js';

/** What `ensureTopics` did to a topic, or what `checkTopics` found. */
export type TopicAction = 'created' | 'exists' | 'missing';

export interface TopicStatus {
  readonly name: string;
  readonly role: TopicRole;
  readonly action: TopicAction;
  /** Partitions on the broker; null when the topic is missing. */
  readonly partitions: number | null;
  /** Replicas of partition 0 on the broker; null when the topic is missing. */
  readonly replicationFactor: number | null;
  /** `cleanup.policy` on the broker; null when the topic is missing. */
  readonly cleanupPolicy: string | null;
  /** What is wrong with this topic (also listed in the report's `problems`). */
  readonly problems: readonly string[];
}

export interface TopicsReport {
  /** True when every topic exists as the system needs it (`problems` is empty). */
  readonly ok: boolean;
  readonly topics: readonly TopicStatus[];
  /** One sentence per problem, naming the topic and the fix. */
  readonly problems: readonly string[];
}
