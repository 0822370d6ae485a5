// The plain JSON judge: POST {exchangeId, method, route, path, live, candidate, secondary?} and
// read back exactly {verdict, score?, reason?} (see verdict.ts). The sides are compare's JudgeSide
// ({status, contentType, value}) as they are.

import type { ResolvedHttpJudge } from '../config/options.js';
import { jsonText, TooDeepError } from '../json/json-text.js';
import type { AnswerParse, BuiltRequest, JudgeRequest } from './types.js';
import { parseVerdictText } from './verdict.js';

export function httpJudgeBody(judge: ResolvedHttpJudge, request: JudgeRequest): BuiltRequest {
  const payload: Record<string, unknown> = {
    exchangeId: request.exchangeId,
    method: request.method,
    route: request.route,
    path: request.path,
    live: request.live,
    candidate: request.candidate,
  };
  if (request.secondary !== undefined && request.secondary !== null) payload['secondary'] = request.secondary;
  let body: string;
  try {
    body = jsonText(payload);
  } catch (error) {
    if (error instanceof TooDeepError) return { tooLarge: `a judged value is ${error.message}` };
    throw error;
  }
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > judge.maxRequestBytes) return { tooLarge: `the request would be ${bytes} bytes, over maxRequestBytes (${judge.maxRequestBytes})` };
  return { body };
}

export function parseHttpJudgeAnswer(text: string): AnswerParse {
  const parsed = parseVerdictText(text);
  return parsed.ok ? { ok: true, value: parsed.value, usage: null } : { ok: false, why: `the judge's answer: ${parsed.why}`, usage: null };
}
