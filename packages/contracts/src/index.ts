export type { CapturedExchange, OutboundCall } from './exchange/types.js';
export {
  capturedExchangeContract,
  capturedExchangeFromAvro,
  capturedExchangeToAvro,
  outboundCallFromAvro,
  outboundCallToAvro,
  writeCapturedExchange,
} from './exchange/avro.js';
export type { ChallengerRole, LiveSnapshot, ShadowErrorKind, ShadowResult } from './shadow-result/types.js';
export { CHALLENGER_ROLES, SHADOW_ERROR_KINDS } from './shadow-result/types.js';
export { shadowResultContract, shadowResultFromAvro, shadowResultToAvro } from './shadow-result/avro.js';
export { exchangeOfSnapshot, liveSnapshotOf } from './shadow-result/live-snapshot.js';
export type { ProgressChallenger, ReplayProgress, ReplayProgressKind, RunProgress, RunState } from './progress/types.js';
export { REPLAY_PROGRESS_KINDS, RUN_STATES } from './progress/types.js';
export { replayProgressContract, replayProgressFromAvro, replayProgressToAvro } from './progress/avro.js';
export { dispatchedBitmap, isDispatched, markDispatched } from './progress/dispatched.js';
export type { DependencyKind, SideEffect, SideEffectDisposition } from './side-effect/types.js';
export { DEPENDENCY_KINDS, LIVE_ORIGIN, SIDE_EFFECT_DISPOSITIONS } from './side-effect/types.js';
export { sideEffectContract, sideEffectFromAvro, sideEffectToAvro } from './side-effect/avro.js';
export { liveSideEffectsOf } from './side-effect/live.js';
export type { Label, LabelValue } from './label/types.js';
export { LABEL_NAME_PATTERN, labelValueText } from './label/types.js';
export { assertLabel, labelContract, labelFromAvro, labelProblems, labelToAvro } from './label/avro.js';

export type {
  ControlEvent,
  ControlKey,
  ControlLogger,
  ControlMessage,
  ControlRecordKind,
  ControlSampling,
  ControlSnapshot,
  ControlState,
  ControlStateEvent,
  ControlWatcherOptions,
  EffectiveState,
  MirroringState,
  ParsedControlValue,
  ParsedSamplingValue,
  SamplingEvent,
  SamplingMessage,
  SetMirroringRequest,
  SetSamplingRateRequest,
} from './control/index.js';
export {
  ALL_SERVICES,
  clearMirroring,
  clearSamplingRate,
  CONTROL_RECORD_KINDS,
  RESERVED_CONTROL_KINDS,
  ControlWatcher,
  controlKeyOf,
  createControlWatcher,
  effectiveSampling,
  effectiveState,
  ensureControlTopic,
  isSamplingRate,
  MIRRORING_STATES,
  parseControlKey,
  parseControlValue,
  parseSamplingValue,
  readControlEntries,
  serializeControlMessage,
  serializeSamplingMessage,
  setMirroring,
  setSamplingRate,
} from './control/index.js';

export { fmix32, fnv1a32, fnv1a32Bytes, SAMPLING_HASH_VECTORS, samplingPoint, samplingPointOf } from './sampling/sampling-hash.js';

export { traceIdFor, traceIdOf, traceparentFor } from './trace/trace-context.js';

export type { TimeArg } from './time/time-arg.js';
export { durationMs, parseTimeArg, TIME_ARG_FORMS } from './time/time-arg.js';

export type { TopicNames, TopicRole } from './topics.js';
export { MAX_TOPIC_PREFIX_LENGTH, partitionKey, subjectFor, TOPIC_BASE_NAMES, topicNames, topicPrefixProblem, topics } from './topics.js';

export type { KafkaAdminSource, ObservedTopic, TopicAction, TopicSpecOptions, TopicsOptions, TopicsReport, TopicStatus } from './provisioning/index.js';
export {
  ALL_TOPIC_ROLES,
  assessTopics,
  checkTopics,
  CONTROL_TOMBSTONE_RETENTION_MS,
  createTopicsAndWait,
  DEFAULT_PARTITIONS,
  ensureCommandFor,
  ensureTopics,
  JOINED_ROLES,
  resolveTopicsOptions,
  topicSpec,
} from './provisioning/index.js';

export type { AvroField, AvroRecordSchema } from './schema/schemas.js';
export { schemas } from './schema/schemas.js';
export type { AvroRecord, AvroType, RecordContract, RecordContractDefinition } from './schema/record-contract.js';
export { defineRecordContract, parseAvroSchema } from './schema/record-contract.js';

export type { CompatibilityLevel, RecordSerdeOptions, SchemaRegistryOptions } from './serde/options.js';
export { COMPATIBILITY_LEVELS } from './serde/options.js';
export { AvroWriter } from './serde/avro-writer.js';
export { RecordSerde } from './serde/record-serde.js';
export type { SchemaRegistry } from './serde/registry.js';
export { createSchemaRegistry } from './serde/registry.js';
export { MAGIC_BYTE, schemaIdOf, WIRE_HEADER_BYTES } from './serde/wire-format.js';

export type { ContractsErrorCode, ContractsErrorOptions } from './errors.js';
export { CONTRACTS_ERROR_CODES, ContractsError, isContractsError, toContractsError } from './errors.js';
