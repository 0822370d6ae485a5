// Differences the sandbox causes are not the candidate's. During a replay the candidate's outbound
// calls go to the sandbox, which answers some of them in a way live's calls never were:
// - a call with nothing recorded to answer it with (a write to a path live never wrote, a call live
//   never made) gets the sandbox's own 503, a refusal, or a configured stub (disposition `blocked`
//   or `stub`): live never saw such an answer, so a candidate that passes it on, or reacts to it,
//   answers differently from live for a reason that does not exist in production;
// - a read with no recording is forwarded to the real dependency, which by then holds live's own
//   writes of this very exchange (live handled the request first): the candidate reads a state live
//   never read.
// Which answer differences such a call caused cannot be known from the outside, so the rule is per
// pair: a pair is sandbox-induced when the candidate received at least one such answer and its own
// answer differs. Side-effect differences are never marked: they are what the candidate tried to
// do, whatever it was told.
import { isRead, sideEffectKey, type SideEffectRules } from '../side-effects/side-effects.js';
import type { SandboxCause, SideEffectInput } from '../types.js';

/** Dispositions that mean the sandbox made the answer itself (docs/sandbox.md, "What happens to a call"). */
export const SANDBOX_ANSWER_DISPOSITIONS: readonly string[] = Object.freeze(['blocked', 'stub']);

/**
 * The candidate's calls answered as live's never were, one entry per distinct (kind, disposition,
 * status, key), in call order. A forwarded read is a cause when live wrote (any non-read call) to the
 * same target in this exchange. Pure.
 */
export function sandboxCauses(
  live: readonly SideEffectInput[] | undefined,
  candidate: readonly SideEffectInput[] | undefined,
  rules: SideEffectRules,
): SandboxCause[] {
  if (candidate === undefined || candidate.length === 0) return [];
  const liveWriteTargets = new Set<string>();
  for (const e of live ?? []) if (!isRead(e, rules)) liveWriteTargets.add(e.target.toLowerCase());
  const out: SandboxCause[] = [];
  const seen = new Set<string>();
  for (const e of candidate) {
    const disposition = e.disposition ?? '';
    let kind: SandboxCause['kind'] | null = null;
    if (SANDBOX_ANSWER_DISPOSITIONS.includes(disposition)) kind = 'sandbox_answer';
    else if (disposition === 'forwarded' && isRead(e, rules) && liveWriteTargets.has(e.target.toLowerCase())) kind = 'read_after_live_write';
    if (kind === null) continue;
    const cause: SandboxCause = { kind, key: sideEffectKey(e), disposition, status: e.responseStatus ?? 0 };
    const id = formatSandboxCause(cause);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(cause);
  }
  return out;
}

/** `sandbox_answer blocked 503 http POST store:8080/v2/orders`: how the joiner stores a cause (the analysis reads it back: packages/analysis/src/measurements/pair-record.ts). */
export function formatSandboxCause(c: SandboxCause): string {
  return `${c.kind} ${c.disposition} ${c.status} ${c.key}`;
}
