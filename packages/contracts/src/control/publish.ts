// Operator side of the control topic: the kill switch (`shadow pause|resume`, @shadow/watch's pause
// action) and the sampling rate (`shadow sample set|clear`, the ramp) for one service or for all
// (`*`). Every watching tap and replayer applies them within seconds.
import { hostname, userInfo } from 'node:os';
import { Partitioners } from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { ContractsError } from '../errors.js';
import { topics } from '../topics.js';
import { controlKeyOf, isSamplingRate, MIRRORING_STATES, serializeControlMessage, serializeSamplingMessage } from './control-record.js';
import { ensureControlTopic } from './control-topic.js';
import type { ControlMessage, MirroringState, SamplingMessage } from './types.js';

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

function requireReason(reason: unknown): void {
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', 'reason must be a non-empty string: it is what the next person on call reads');
  }
}

/** Sets mirroring for `service` (or `*`) and returns the message written. */
export async function setMirroring(kafka: Kafka, request: SetMirroringRequest): Promise<ControlMessage> {
  const key = controlKeyOf('mirroring', request.service);
  if (!MIRRORING_STATES.includes(request.state)) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `state must be one of ${MIRRORING_STATES.join(', ')}, got ${JSON.stringify(request.state)}`);
  }
  requireReason(request.reason);
  const message: ControlMessage = { mirroring: request.state, reason: request.reason, by: request.by ?? operator(), at: new Date().toISOString() };
  await write(kafka, request.topic ?? topics.control, key, serializeControlMessage(message));
  return message;
}

/** Removes the entry for `service` (or `*`) with a tombstone; the remaining entries decide. */
export async function clearMirroring(kafka: Kafka, request: { service: string; topic?: string | undefined }): Promise<void> {
  await write(kafka, request.topic ?? topics.control, controlKeyOf('mirroring', request.service), null);
}

export interface SetSamplingRateRequest {
  /** Service name, or `*` for every tap and replayer without an entry of its own. */
  service: string;
  /** In [0, 1]; replaces the configured rate while the entry exists. */
  rate: number;
  /** Why; shown in every tap's log. Required. */
  reason: string;
  /** Who. @default `<user>@<hostname>` */
  by?: string | undefined;
  /** @default topics.control (`shadow.control.v1`) */
  topic?: string | undefined;
}

/** Sets the sampling rate of `service` (or `*`) and returns the message written. */
export async function setSamplingRate(kafka: Kafka, request: SetSamplingRateRequest): Promise<SamplingMessage> {
  const key = controlKeyOf('sampling', request.service);
  if (!isSamplingRate(request.rate)) {
    throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `rate must be a number in [0, 1], got ${JSON.stringify(request.rate)}`);
  }
  requireReason(request.reason);
  const message: SamplingMessage = { sampling: { rate: request.rate }, reason: request.reason, by: request.by ?? operator(), at: new Date().toISOString() };
  await write(kafka, request.topic ?? topics.control, key, serializeSamplingMessage(message));
  return message;
}

/** Removes the sampling entry of `service` (or `*`): its taps and replayers return to their configured rate. */
export async function clearSamplingRate(kafka: Kafka, request: { service: string; topic?: string | undefined }): Promise<void> {
  await write(kafka, request.topic ?? topics.control, controlKeyOf('sampling', request.service), null);
}
