/**
 * Options of the live outbound recorder (`TapOptions.outbound`). Validated once by
 * `resolveOutboundOptions`, called from `resolveTapOptions`, so a bad value fails at start-up
 * naming `outbound.<field>`.
 */
import { mustBe } from '@shadow/options';
import { TapError } from '../errors.js';

export interface OutboundRecorderOptions {
  /**
   * Records the outbound HTTP calls (undici / global fetch and node:http / node:https clients) the
   * service makes while serving a captured request, with their answers, into
   * `CapturedExchange.outboundCalls`. Off: nothing is subscribed and captures carry no calls.
   * @default false
   */
  enabled?: boolean | undefined;
  /**
   * Calls recorded per exchange; later calls of the same exchange are not recorded (counted in
   * `outboundDropped`).
   * @default 32
   */
  maxCalls?: number | undefined;
  /**
   * Bytes of each body (request and response separately) copied per call; longer bodies are
   * truncated and flagged.
   * @default 65536 (64 KiB)
   */
  maxBodyBytes?: number | undefined;
  /**
   * Bound on the body bytes of all recorded calls of one exchange together: the calls travel inside
   * the exchange's Kafka record, which `kafka.maxRecordBytes` caps. Beyond it, bodies are truncated.
   * @default 131072 (128 KiB)
   */
  maxExchangeBodyBytes?: number | undefined;
}

export interface ResolvedOutboundOptions {
  readonly enabled: boolean;
  readonly maxCalls: number;
  readonly maxBodyBytes: number;
  readonly maxExchangeBodyBytes: number;
}

/** Room per recorded call for everything but its bodies (target, path, headers), in the record-size check. */
export const OUTBOUND_CALL_HEADROOM_BYTES = 4 * 1024;

const KEYS = ['enabled', 'maxCalls', 'maxBodyBytes', 'maxExchangeBodyBytes'] as const;
const MAX_BODY_LIMIT = 64 * 1024 * 1024;

function invalid(field: string, expected: string, got: unknown): TapError {
  return new TapError('TAP_INVALID_OPTION', mustBe(field, expected, got));
}

function integer(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

export const DEFAULT_OUTBOUND_OPTIONS: ResolvedOutboundOptions = Object.freeze({
  enabled: false,
  maxCalls: 32,
  maxBodyBytes: 64 * 1024,
  maxExchangeBodyBytes: 128 * 1024,
});

/** Merges defaults, validates and freezes. `field` is the option's name in messages (`outbound`). */
export function resolveOutboundOptions(field: string, value: unknown): ResolvedOutboundOptions {
  if (value === undefined) return DEFAULT_OUTBOUND_OPTIONS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, 'an object', value);
  const options = value as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new TapError('TAP_INVALID_OPTION', `${field}.${key} is not a known option; accepted: ${KEYS.join(', ')}`);
    }
  }
  const enabled = options['enabled'];
  if (enabled !== undefined && typeof enabled !== 'boolean') throw invalid(`${field}.enabled`, 'a boolean', enabled);
  const d = DEFAULT_OUTBOUND_OPTIONS;
  return Object.freeze({
    enabled: enabled ?? d.enabled,
    maxCalls: integer(`${field}.maxCalls`, options['maxCalls'], d.maxCalls, 1, 10_000),
    maxBodyBytes: integer(`${field}.maxBodyBytes`, options['maxBodyBytes'], d.maxBodyBytes, 0, MAX_BODY_LIMIT),
    maxExchangeBodyBytes: integer(`${field}.maxExchangeBodyBytes`, options['maxExchangeBodyBytes'], d.maxExchangeBodyBytes, 0, MAX_BODY_LIMIT),
  });
}

/** Bytes the recorded calls may add to one exchange record at most (bodies plus per-call headroom). */
export function outboundRecordBytes(options: ResolvedOutboundOptions): number {
  return options.enabled ? options.maxExchangeBodyBytes + options.maxCalls * OUTBOUND_CALL_HEADROOM_BYTES : 0;
}
