import type { CapturedExchange, ShadowResult } from '@shadow/contracts';
import type { ResolvedChallenger } from '../challenger/options.js';

/** One replay of one exchange against one challenger. */
export interface DispatchContext {
  readonly exchange: CapturedExchange;
  readonly challenger: ResolvedChallenger;
  /** 1-based attempt (ShadowResult.attempt, the traceparent's span). */
  readonly attempt: number;
  /** Historical run id; null for live shadowing. */
  readonly runId: string | null;
}

/**
 * Where the dependency sandbox plugs in (and anything else that must see each replay). The
 * replayer service wires `@shadow/sandbox` here: `beforeSend` -> `sandbox.expect()` with the
 * exchange's recorded live calls, `afterSend` -> `sandbox.settle()`. A hook that throws turns the
 * replay into a result with errorKind `replay_error`; it never stops the consumer.
 */
export interface ReplayHooks {
  beforeSend?(ctx: DispatchContext): void | Promise<void>;
  afterSend?(ctx: DispatchContext, result: ShadowResult): void | Promise<void>;
}

/** Counters a dispatcher keeps; the service turns them into Prometheus metrics. */
export interface ChallengerStats {
  readonly id: string;
  readonly role: string;
  sent: number;
  succeeded: number;
  /** errorKind -> count */
  failed: Record<string, number>;
  sampledOut: number;
  inFlight: number;
}

export interface DispatcherStats {
  exchanges: number;
  challengers: ChallengerStats[];
}
