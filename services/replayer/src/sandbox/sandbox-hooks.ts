// Wires the dependency sandbox (@shadow/sandbox) into the replay engine: before each replay the
// sandbox learns the exchange's recorded live calls (so a challenger's write is answered with live's
// answer and never reaches the real dependency), after it the replay is settled (late calls within
// the sandbox's grace period stay attributed). Structural types only: the engine does not depend on
// the sandbox package, and the service decides whether to run one.
import type { CapturedExchange } from '@shadow/contracts';
import type { ReplayHooks } from '@shadow/replay';

/** What the replayer needs of a sandbox (createSandbox from @shadow/sandbox returns this and more). */
export interface SandboxPort {
  expect(exchange: { exchangeId: string; challengerId: string; attempt: number; runId: string | null; recorded: readonly RecordedCallShape[] }): void;
  settle(exchangeId: string, challengerId: string, attempt: number): void;
}

export interface RecordedCallShape {
  method: string;
  target: string;
  path: string;
  responseStatus: number;
  responseHeaders: Readonly<Record<string, string | readonly string[]>>;
  responseBody: Buffer | null;
}

/** The tap's recorded outbound calls of an exchange, as the sandbox's RecordedCall. */
export function recordedCallsOf(exchange: CapturedExchange): RecordedCallShape[] {
  return (exchange.outboundCalls ?? []).map((call) => ({
    method: call.method,
    target: call.target,
    path: call.path,
    responseStatus: call.responseStatus,
    responseHeaders: call.responseHeaders,
    responseBody: call.responseBody,
  }));
}

export function sandboxHooks(sandbox: SandboxPort): ReplayHooks {
  return {
    beforeSend(ctx) {
      sandbox.expect({
        exchangeId: ctx.exchange.exchangeId,
        challengerId: ctx.challenger.id,
        attempt: ctx.attempt,
        runId: ctx.runId,
        recorded: recordedCallsOf(ctx.exchange),
      });
    },
    afterSend(ctx) {
      sandbox.settle(ctx.exchange.exchangeId, ctx.challenger.id, ctx.attempt);
    },
  };
}
