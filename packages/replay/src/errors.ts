// Every error this package throws is a ReplayError with one of the codes below. Errors from kafkajs,
// undici and the contracts package are converted at the boundary by toReplayError. Challenger
// failures are NOT errors: they become ShadowResults with an errorKind (see challenger/error-kind.ts).
// The codes are documented in docs/replayer.md; a unit test checks that the doc lists each one.

import { CodedError, errorConverter } from '@shadow/options';

export const REPLAY_ERROR_CODES = [
  'REPLAY_INVALID_OPTION',
  'REPLAY_TOPIC_MISSING',
  'REPLAY_KAFKA_FAILED',
  'REPLAY_REGISTRY_UNAVAILABLE',
  'REPLAY_CLOSED',
  'REPLAY_UNKNOWN',
] as const;

export type ReplayErrorCode = (typeof REPLAY_ERROR_CODES)[number];

const RETRIABLE: Readonly<Record<ReplayErrorCode, boolean>> = {
  REPLAY_INVALID_OPTION: false,
  REPLAY_TOPIC_MISSING: false,
  REPLAY_KAFKA_FAILED: true,
  REPLAY_REGISTRY_UNAVAILABLE: true,
  REPLAY_CLOSED: false,
  REPLAY_UNKNOWN: false,
};

export interface ReplayErrorOptions {
  cause?: unknown;
  /** Overrides the code's default. */
  retriable?: boolean;
}

export class ReplayError extends CodedError<ReplayErrorCode> {
  override readonly name = 'ReplayError';

  constructor(code: ReplayErrorCode, message: string, options: ReplayErrorOptions = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? RETRIABLE[code] });
  }
}

export function isReplayError(value: unknown): value is ReplayError {
  return value instanceof ReplayError;
}

function recognise(value: unknown, message: string): ReplayError | undefined {
  const name = value instanceof Error ? value.name : '';
  if (name.startsWith('KafkaJS')) {
    if (/does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION|not present in metadata/i.test(message)) {
      return new ReplayError('REPLAY_TOPIC_MISSING', `${message} (create the topics first, e.g. with ensureTopics from @shadow/contracts)`, { cause: value });
    }
    return new ReplayError('REPLAY_KAFKA_FAILED', message, { cause: value });
  }
  if (typeof value === 'object' && value !== null && 'code' in value && (value as { code: unknown }).code === 'CONTRACTS_REGISTRY_UNAVAILABLE') {
    return new ReplayError('REPLAY_REGISTRY_UNAVAILABLE', message, { cause: value });
  }
  return undefined;
}

/** Converts anything thrown at a boundary into a ReplayError; a ReplayError passes through unchanged. */
export const toReplayError: (value: unknown, fallback?: ReplayErrorCode) => ReplayError = errorConverter(ReplayError, 'REPLAY_UNKNOWN', { recognise });
