import type { JudgeSide } from '@shadow/compare';
import { createJudges, resolveJudgeConfigOrThrow, type JudgeEvent, type JudgeRequest, type Judges } from '@shadow/judge';

export interface TestJudges extends Judges, AsyncDisposable {
  readonly events: JudgeEvent[];
}

/** Judges from a `judges:` mapping as a user writes it, recording every metrics event. */
export function makeJudges(section: Record<string, unknown>, env: Record<string, string> = {}): TestJudges {
  const events: JudgeEvent[] = [];
  const judges = createJudges(resolveJudgeConfigOrThrow(section, { env }), { onEvent: (e) => events.push(e) });
  return Object.assign(Object.create(null) as object, {
    ids: judges.ids,
    has: judges.has,
    get: judges.get,
    close: judges.close,
    events,
    [Symbol.asyncDispose]: () => judges.close(),
  }) as TestJudges;
}

export const side = (value: unknown, status = 200): JudgeSide => ({ status, contentType: 'application/json', value });

let seq = 0;
export function pair(live: unknown, candidate: unknown, extra: Partial<JudgeRequest> = {}): JudgeRequest {
  seq++;
  return { exchangeId: `ex-${process.pid}-${seq}`, method: 'POST', route: '/answer', path: '$.text', live: side(live), candidate: side(candidate), ...extra };
}
