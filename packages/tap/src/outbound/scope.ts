/**
 * The per-exchange side of the outbound recorder: an `OutboundScope` is the AsyncLocalStorage
 * store of one captured request, and collects that request's calls (`PendingCall`) in start order.
 * When the capture engine builds the exchange it closes the scope: finished calls become
 * `OutboundCall`s (redacted then, off the response path), unfinished ones are dropped and counted,
 * and anything that starts or ends later is ignored (counted when it is a new call).
 */
import type { OutboundCall } from '@shadow/contracts';
import { BodyRecorder, ByteBudget } from '../capture/body-recorder.js';
import { firstValue, type HeaderRecord } from '../capture/headers.js';
import type { Redactor } from '../redaction/redactor.js';
import type { ResolvedOutboundOptions } from './options.js';

/** What a scope needs from its recorder: limits, the shared in-flight byte budget and counters. */
export interface ScopeHost {
  readonly options: ResolvedOutboundOptions;
  readonly inFlightBudget: ByteBudget;
  /** Calls not recorded: over maxCalls, unfinished when the exchange was built, or started after. */
  countDropped(count: number): void;
}

/**
 * Bounds the body bytes one exchange's calls keep (they travel in one Kafka record) while also
 * drawing them from the tap's in-flight budget (they are held in memory until the build).
 * Returned bytes go back to the in-flight budget only: what an exchange's calls kept stays
 * spent for that exchange, since it is bound for the record.
 */
class ExchangeBodyBudget extends ByteBudget {
  constructor(
    limit: number,
    private readonly inFlight: ByteBudget,
  ) {
    super(limit);
  }

  override take(wanted: number): number {
    const local = super.take(wanted);
    if (local <= 0) return 0;
    const granted = this.inFlight.take(local);
    if (granted < local) super.give(local - granted);
    return granted;
  }

  override give(bytes: number): void {
    this.inFlight.give(bytes);
  }
}

export class PendingCall {
  /** performance.now() at start, ms. */
  readonly startMs = performance.now();
  readonly startTimeMs = Date.now();
  endMs = -1;
  scheme = 'http';
  target = '';
  method = '';
  path = '';
  requestHeaders: HeaderRecord | null = null;
  responseStatus = 0;
  responseHeaders: HeaderRecord | null = null;
  errorMessage: string | null = null;
  /** The answer ended (completely or with an error): the call can be recorded. */
  done = false;
  readonly requestBody: BodyRecorder;
  readonly responseBody: BodyRecorder;

  constructor(limit: number, budget: ByteBudget) {
    this.requestBody = new BodyRecorder(limit, budget);
    this.responseBody = new BodyRecorder(limit, budget);
  }

  /** Ends the call once; an error message marks it failed. */
  finish(errorMessage: string | null): void {
    if (this.done) return;
    this.done = true;
    this.endMs = performance.now();
    this.errorMessage = errorMessage;
  }

  discard(): void {
    this.requestBody.discard();
    this.responseBody.discard();
  }
}

export class OutboundScope {
  private readonly calls: PendingCall[] = [];
  private budget: ExchangeBodyBudget | null = null;
  private closed = false;

  constructor(private readonly host: ScopeHost) {}

  /** A new call of this exchange, or null when it is not recorded (scope closed, maxCalls reached). */
  start(): PendingCall | null {
    const { host } = this;
    if (this.closed || this.calls.length >= host.options.maxCalls) {
      host.countDropped(1);
      return null;
    }
    this.budget ??= new ExchangeBodyBudget(host.options.maxExchangeBodyBytes, host.inFlightBudget);
    const call = new PendingCall(host.options.maxBodyBytes, this.budget);
    this.calls.push(call);
    return call;
  }

  /**
   * Closes the scope and returns its finished calls as records, redacted, numbered 0.. in start
   * order. Unfinished calls are dropped and counted.
   */
  close(redactor: Redactor): OutboundCall[] {
    this.closed = true;
    const out: OutboundCall[] = [];
    let dropped = 0;
    for (const call of this.calls) {
      if (!call.done) {
        call.discard();
        dropped++;
        continue;
      }
      out.push(toRecord(call, out.length, redactor));
    }
    this.calls.length = 0;
    if (dropped > 0) this.host.countDropped(dropped);
    return out;
  }

  /** Closes the scope without records (the exchange was not kept). */
  discard(): void {
    this.closed = true;
    for (const call of this.calls) call.discard();
    this.calls.length = 0;
  }
}

function toRecord(call: PendingCall, sequence: number, redactor: Redactor): OutboundCall {
  const requestHeaders = call.requestHeaders ?? (Object.create(null) as HeaderRecord);
  const responseHeaders = call.responseHeaders ?? (Object.create(null) as HeaderRecord);
  const request = redactor.body(
    call.requestBody.take(),
    call.requestBody.truncated,
    firstValue(requestHeaders, 'content-type'),
    firstValue(requestHeaders, 'content-encoding'),
  );
  // A response cut by an error is incomplete even if every byte that came was kept.
  const response = redactor.body(
    call.responseBody.take(),
    call.responseBody.truncated || (call.errorMessage !== null && call.responseStatus !== 0),
    firstValue(responseHeaders, 'content-type'),
    firstValue(responseHeaders, 'content-encoding'),
  );
  redactor.headers(requestHeaders);
  redactor.headers(responseHeaders);
  return {
    sequence,
    startTimeMs: call.startTimeMs,
    durationUs: Math.round((call.endMs - call.startMs) * 1000),
    dependencyKind: 'http',
    scheme: call.scheme,
    target: call.target,
    method: call.method,
    path: call.path,
    requestHeaders,
    requestBody: request.body,
    requestBodyTruncated: request.truncated,
    responseStatus: call.responseStatus,
    responseHeaders,
    responseBody: response.body,
    responseBodyTruncated: response.truncated,
    errorMessage: call.errorMessage,
  };
}
