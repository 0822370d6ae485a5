// Operator side of the kill switch (`shadow pause|resume`, @shadow/watch's pause action): writes the
// desired state for one service or for all (`*`) to the compacted control topic. Every watching tap
// and replayer applies it within seconds.
import { hostname, userInfo } from 'node:os';
import { Partitioners } from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { ContractsError } from '../errors.js';
import { topics } from '../topics.js';
import { controlKeyOf, MIRRORING_STATES, serializeControlMessage } from './control-record.js';
import { ensureControlTopic } from './control-topic.js';
import type { ControlMessage, MirroringState } from './types.js';

export interface SetMirroringRequest {
  /** Service name, or `*` for every tap. */
  service: string;
  state: MirroringState;
  /** Why; shown in every tap's log. Required. */
  reason: string;
  /** Who. @default `<user>@<hostname>` */
  by?: string | undefined;
  /** @default topics.control (`shadow.control.v1`) */
  topic?: string | undefined;
}

function operator(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers)
  }
  return `${user}@${hostname()}`;
}

async function write(kafka: Kafka, topic: string, key: string, value: Buffer | null): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureControlTopic(admin, topic);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key, value }] });
  } finally {
    await producer.disconnect();
  }
}

/** Sets mirroring for `service` (or `*`) and returns the message written. */
export async function setMirroring(kafka: Kafka, request: SetMirroringRequest): Promise<ControlMessage> {
  const key = controlKeyOf('mirroring', request.service);
  if (!MIRRORING_STATES.includes(request.state)) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `state must be one of ${MIRRORING_STATES.join(', ')}, got ${JSON.stringify(request.state)}`);
  }
  if (typeof request.reason !== 'string' || request.reason.trim() === '') {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', 'reason must be a non-empty string: it is what the next person on call reads');
  }
  const message: ControlMessage = { mirroring: request.state, reason: request.reason, by: request.by ?? operator(), at: new Date().toISOString() };
  await write(kafka, request.topic ?? topics.control, key, serializeControlMessage(message));
  return message;
}

/** Removes the entry for `service` (or `*`) with a tombstone; the remaining entries decide. */
export async function clearMirroring(kafka: Kafka, request: { service: string; topic?: string | undefined }): Promise<void> {
  await write(kafka, request.topic ?? topics.control, controlKeyOf('mirroring', request.service), null);
}
