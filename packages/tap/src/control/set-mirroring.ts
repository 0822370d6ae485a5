// Operator side of the kill switch (used by a CLI later): writes the desired state for one service
// or for all (`*`) to the compacted control topic. Every watching tap applies it within seconds.
import { hostname, userInfo } from 'node:os';
import { topics } from '@shadow/contracts';
import { Partitioners } from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { TapError } from '../errors.js';
import { MIRRORING_STATES, serializeControlMessage } from './control-message.js';
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

function checkService(service: unknown): string {
  if (typeof service !== 'string' || service.trim() === '') {
    throw new TapError('TAP_INVALID_OPTION', `service must be a service name or "*", got ${JSON.stringify(service)}`);
  }
  return service;
}

/** Sets mirroring for `service` (or `*`) and returns the message written. */
export async function setMirroring(kafka: Kafka, request: SetMirroringRequest): Promise<ControlMessage> {
  const service = checkService(request.service);
  if (!MIRRORING_STATES.includes(request.state)) {
    throw new TapError('TAP_INVALID_OPTION', `state must be one of ${MIRRORING_STATES.join(', ')}, got ${JSON.stringify(request.state)}`);
  }
  if (typeof request.reason !== 'string' || request.reason.trim() === '') {
    throw new TapError('TAP_INVALID_OPTION', 'reason must be a non-empty string: it is what the next person on call reads');
  }
  const message: ControlMessage = { mirroring: request.state, reason: request.reason, by: request.by ?? operator(), at: new Date().toISOString() };
  await write(kafka, request.topic ?? topics.control, service, serializeControlMessage(message));
  return message;
}

/** Removes the entry for `service` (or `*`) with a tombstone; the remaining entries decide. */
export async function clearMirroring(kafka: Kafka, request: { service: string; topic?: string | undefined }): Promise<void> {
  await write(kafka, request.topic ?? topics.control, checkService(request.service), null);
}
