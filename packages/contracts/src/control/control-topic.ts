import { createTopicsAndWait, topicSpec } from '../provisioning/index.js';
import type { Admin } from 'kafkajs';

/**
 * Creates the control topic unless it exists, as `shadow topics ensure` does (compacted, one
 * partition, tombstones kept a day: the spec lives in @shadow/contracts), and waits for its
 * leader. Broker auto-creation is never relied on: it would create a non-compacted topic and
 * retention could delete the latest state per key.
 */
export async function ensureControlTopic(admin: Admin, topic: string): Promise<void> {
  // Asked first: a CreateTopics for an existing topic is logged by kafkajs as an error, once per
  // write of every `shadow pause`, alert pause and ramp step.
  if ((await admin.listTopics()).includes(topic)) return;
  await createTopicsAndWait(admin, [topicSpec('control', topic, { partitions: 1 })], 30_000);
}
