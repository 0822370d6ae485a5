import type { SideEffect } from '@shadow/contracts';

/**
 * Live's answer to one outbound call, as the sandbox replays it to a challenger. A structural type
 * of the sandbox's own: the replayer maps the tap's `OutboundCall`s to it.
 */
export interface RecordedCall {
  /** HTTP method, any case. */
  method: string;
  /** `host:port` live called (a missing port means the scheme's default: 80). */
  target: string;
  /** Path with query, as live sent it. */
  path: string;
  /** Status live received; 0 when live got no answer (the challenger's connection is then reset). */
  responseStatus: number;
  /** Lower-case header name -> value(s). Hop-by-hop and length headers are recomputed. */
  responseHeaders: Readonly<Record<string, string | readonly string[]>>;
  /** Body live received; sent back byte for byte with the recorded headers. */
  responseBody: Buffer | Uint8Array | string | null;
}

/** One replay of one exchange to one challenger, registered with `expect()` before it is sent. */
export interface ExpectedExchange {
  exchangeId: string;
  challengerId: string;
  /** 1-based replay attempt (ShadowResult.attempt). */
  attempt: number;
  /** Historical replay run id; null for live shadowing. */
  runId: string | null;
  /** Live's outbound calls of this exchange, in the order live made them. */
  recorded: readonly RecordedCall[];
}

/** Where one challenger must send its outbound calls. */
export interface SandboxEndpoints {
  /** Value for the challenger's `HTTP_PROXY` / `http_proxy` (absolute-form requests). */
  httpProxyUrl: string;
  /**
   * Base URL that stands for a configured dependency, for clients that ignore proxies:
   * `http://<host>:<port>/__dep/<name>`; the path after it is the dependency's path.
   * Throws SANDBOX_INVALID_ARGUMENT for a name that is not configured.
   */
  dependencyUrl(name: string): string;
  /** The challenger's SMTP sink; `port` is 0 when the sink is disabled. */
  smtp: { host: string; port: number };
}

/** Counters since `start()`; gauges for the exchanges held now. */
export interface SandboxStats {
  /** Writes (non-GET/HEAD/OPTIONS) by what answered them. `forwarded` only through a rule with `allowWrites`. */
  writes: DispositionCounts;
  /** Reads (GET/HEAD/OPTIONS) by what answered them. */
  reads: DispositionCounts;
  /** `CONNECT` requests: tunnels a rule allowed, and refused ones. */
  tunnels: { opened: number; refused: number };
  emailsCaptured: number;
  /** Calls no registered exchange could be found for (published under UNATTRIBUTED_EXCHANGE_ID). */
  unattributed: number;
  /** Calls naming an exchange (header) that is not registered, or no longer: published under that id. */
  unregistered: number;
  /** Forwarded calls whose dependency failed (the challenger got a 502). */
  forwardErrors: number;
  /** `onSideEffect` calls that threw (the side effect is lost; logged). */
  callbackErrors: number;
  sideEffects: number;
  exchanges: {
    /** Registered now (in flight + within their grace period). */
    registered: number;
    /** Registered and not settled now. */
    inFlight: number;
    /** Dropped to stay under `maxExchanges` before they were settled and graced. */
    evicted: number;
  };
}

export interface DispositionCounts {
  recorded: number;
  stub: number;
  /** Answered 503 by the sandbox (nothing to answer with, or a `block` rule). */
  blocked: number;
  forwarded: number;
}

export interface Sandbox {
  /** Opens one HTTP listener (and one SMTP sink) per challenger. Idempotent. */
  start(): Promise<void>;
  /** Closes every listener, open connection and tunnel; pending settles are dropped. Idempotent. */
  close(): Promise<void>;
  /** The challenger's proxy, dependency URLs and SMTP sink. Throws before `start()` or for an unknown challenger. */
  endpoints(challengerId: string): SandboxEndpoints;
  /** Registers a replay before it is sent, so its calls are attributed and answered from `recorded`. */
  expect(exchange: ExpectedExchange): void;
  /** The replay is answered: calls still arriving within `graceMs` stay attributed, then it is forgotten. */
  settle(exchangeId: string, challengerId: string, attempt: number): void;
  stats(): SandboxStats;
}

export type SideEffectHandler = (effect: SideEffect) => void;
