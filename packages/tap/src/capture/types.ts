export interface CaptureContext {
  /**
   * Route template when the framework knows it before the handler runs (Fastify's
   * `routeOptions.url`). `null` means the framework has none for this request (404).
   */
  routeTemplate?: string | null | undefined;
  /**
   * Called once after the response has ended, for frameworks that learn the template while
   * routing, after the tap has attached (Express fills `req.route`). Ignored when
   * `routeTemplate` is given.
   */
  resolveRouteTemplate?: (() => string | null) | undefined;
}

/** A request the tap is capturing. */
export interface CaptureHandle {
  /** The exchange id the record will carry; log it to correlate application logs with captures. */
  readonly exchangeId: string;
}

/** Counters of the capture side. All are monotonic except `inFlight` and `inFlightBodyBytes`. */
export interface CaptureCounters {
  /** Requests skipped because the transport reported mirroring paused (kill switch). */
  paused: number;
  /** Requests not captured because of sampling. */
  sampledOut: number;
  /** Exchanges built and offered to the transport. */
  captured: number;
  /** Of `captured`, how many the transport refused (its `dropped` says why). */
  offerRefused: number;
  /** Failures inside the tap (each one loses at most that request's capture). */
  captureErrors: number;
  /** Bodies cut at `maxBodyBytes`, the in-flight budget, or because bytes were missed. */
  truncatedBodies: number;
  /** Bodies withheld because JSON redaction could not be applied safely. */
  withheldBodies: number;
  /** Body bytes put into offered exchanges (after truncation and redaction). */
  capturedBodyBytes: number;
  /** Requests being captured whose record is not built yet. */
  inFlight: number;
  /** Body bytes held by those requests, bounded by `maxInFlightBodyBytes`. */
  inFlightBodyBytes: number;
  /** Outbound calls recorded into offered exchanges. Present only when the outbound recorder is on. */
  outboundCalls?: number;
  /**
   * Outbound calls of captured requests not recorded: over `outbound.maxCalls`, still unfinished
   * when the exchange was built, or started after it. Present only when the outbound recorder is on.
   */
  outboundDropped?: number;
}
