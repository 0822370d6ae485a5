import type { Admin } from 'kafkajs';

/**
 * Creates the control topic as a compacted single-partition topic unless it exists. Returns
 * whether it was created. Auto-creation is never relied on: it would create a non-compacted topic
 * and the latest state per key could be deleted by retention.
 */
export async function ensureControlTopic(admin: Admin, topic: string): Promise<boolean> {
  return admin.createTopics({
    waitForLeaders: true,
    topics: [{
      topic,
      numPartitions: 1,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        // Tombstones must outlive any tap's restart-and-read; a day is generous.
        { name: 'delete.retention.ms', value: String(24 * 60 * 60 * 1000) },
      ],
    }],
  });
}
