export type { TopicsOptions, ResolvedTopicsOptions } from './options.js';
export { ALL_TOPIC_ROLES, DEFAULT_PARTITIONS, resolveTopicsOptions } from './options.js';
export type { TopicAction, TopicsReport, TopicStatus } from './types.js';
export type { TopicSpecOptions } from './topic-specs.js';
export { CONTROL_TOMBSTONE_RETENTION_MS, JOINED_ROLES, topicSpec } from './topic-specs.js';
export type { KafkaAdminSource, ObservedTopic } from './provision-topics.js';
export { assessTopics, checkTopics, createTopicsAndWait, ensureCommandFor, ensureTopics, referencePartitions } from './provision-topics.js';
