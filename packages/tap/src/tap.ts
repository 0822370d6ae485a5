/**
 * `createTap` composes the pieces: options (validated once), sampling, capture, redaction and a
 * transport. The live request path only ever touches `capture()`, which never throws; `start` and
 * `close` are the only calls that can fail, and they fail with a TapError.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { CaptureEngine } from './capture/capture.js';
import type { CaptureContext, CaptureCounters, CaptureHandle } from './capture/types.js';
import { TapError, toTapError } from './errors.js';
import { resolveTapOptions, type ResolvedTapOptions, type TapOptions } from './options.js';
import { Redactor } from './redaction/redactor.js';
import { Sampler } from './sampling/sampler.js';
import { createKafkaTransport } from './transport/kafka-transport.js';
import type { ExchangeTransport, TransportStats } from './transport/types.js';

export interface TapStats extends CaptureCounters {
  transport: TransportStats;
  /**
   * The global sampling rate in force and where it came from: `control` (the control topic's
   * `sampling:<service>` or `sampling:*` entry, `key`) or `config` (`sampleRate`).
   */
  sampling?: { rate: number; source: 'control' | 'config'; key: string | null };
}

export interface Tap {
  /** The validated, frozen options. */
  readonly options: ResolvedTapOptions;
  /** True while requests are captured: not closed, and the transport is mirroring (kill switch). */
  readonly enabled: boolean;
  /**
   * Starts capturing one exchange on a `node:http` request/response pair. Call it as early as
   * possible, before anything reads the request body. Returns null when the request is not
   * captured. Never throws and never changes what the client receives.
   */
  capture(req: IncomingMessage, res: ServerResponse, context?: CaptureContext): CaptureHandle | null;
  /**
   * Starts the transport. With the Kafka transport it resolves once the exchanges topic is checked
   * (created when `kafka.createTopic`), the kill-switch state has been read and the producer is
   * connected, or after `kafka.startTimeoutMs` (15 s) with what is ready then, logged: a request
   * served after `await tap.start()` is captured when mirroring is on. Rejects with
   * TAP_TOPIC_MISSING (the message names the topic and the command that creates it) and
   * TAP_CLOSED after close(); never because Kafka is slow or down.
   */
  start(): Promise<void>;
  /**
   * Stops capturing new requests, lets captures in flight finish (up to half the timeout), then
   * closes the transport, which flushes its queue within the rest. Idempotent.
   * @param timeoutMs @default options.closeTimeoutMs
   */
  close(timeoutMs?: number): Promise<TapStats>;
  stats(): TapStats;
}

const packageJson = createRequire(import.meta.url)('../package.json') as { version: string };
export const TAP_VERSION: string = packageJson.version;

export function createTap(options: TapOptions): Tap {
  const resolved = resolveTapOptions(options);
  const transport = resolved.transport ?? kafkaTransport(resolved);
  const sampler = new Sampler(resolved.sampling);
  let samplingKey: string | null = null;
  transport.onSampling?.((sampling) => {
    samplingKey = sampling?.key ?? null;
    sampler.setControlRate(sampling?.rate ?? null);
  });
  const engine = new CaptureEngine({
    options: resolved,
    sampler,
    redactor: new Redactor(resolved.redaction),
    transport,
    tapVersion: TAP_VERSION,
    logger: resolved.logger,
  });
  let started: Promise<void> | null = null;
  let closing: Promise<TapStats> | null = null;

  const stats = (): TapStats => ({
    ...engine.counters,
    inFlightBodyBytes: engine.budget.inUse,
    transport: transport.stats(),
    sampling: { rate: sampler.rate, source: samplingKey === null ? 'config' : 'control', key: samplingKey },
  });

  return {
    options: resolved,
    get enabled() {
      return !engine.closed && transport.enabled;
    },
    capture: (req, res, context) => engine.capture(req, res, context),
    start() {
      if (closing !== null) return Promise.reject(new TapError('TAP_CLOSED', 'tap.start() called after tap.close()'));
      started ??= transport.start().catch((error: unknown) => {
        started = null;
        throw toTapError(error, 'TAP_TRANSPORT_FAILED');
      });
      return started;
    },
    close(timeoutMs = resolved.closeTimeoutMs) {
      closing ??= (async () => {
        engine.closed = true;
        const deadline = Date.now() + timeoutMs;
        await engine.idle(Math.floor(timeoutMs / 2));
        try {
          await transport.close(Math.max(1, deadline - Date.now()));
        } catch (error) {
          throw toTapError(error, 'TAP_TRANSPORT_FAILED');
        }
        return stats();
      })();
      return closing;
    },
    stats,
  };
}

function kafkaTransport(options: ResolvedTapOptions): ExchangeTransport {
  const kafka = options.kafka;
  if (kafka === null) throw new TapError('TAP_INVALID_OPTION', 'kafka must be set unless a transport is given');
  try {
    return createKafkaTransport({ ...kafka, service: options.service, logger: kafka.logger ?? options.logger });
  } catch (error) {
    const tapError = toTapError(error, 'TAP_INVALID_OPTION');
    if (tapError.code !== 'TAP_INVALID_OPTION') throw tapError;
    // The transport names its own fields (`brokers must be ...`); from here they live under `kafka.`.
    const message = /^[a-z][A-Za-z]*[.[ ]/.test(tapError.message) ? `kafka.${tapError.message}` : tapError.message;
    throw new TapError('TAP_INVALID_OPTION', message, { cause: error });
  }
}
