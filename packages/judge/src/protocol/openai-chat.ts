// A judge behind any server speaking the OpenAI-compatible chat-completions API (llama.cpp's
// server, vLLM, Ollama's /v1, a hosted API): one system and one user message rendered from the
// templates, temperature 0 by default, response_format json_object or the verdict's JSON schema.
// The envelope is read leniently (servers add fields), the model's content strictly: exactly the
// verdict JSON, nothing around it (no prose, no code fences), else verdict `error` with the reason.

import type { JudgeSide } from '@shadow/compare';
import type { ResolvedOpenAiChatJudge } from '../config/options.js';
import { jsonText, TooDeepError } from '../json/json-text.js';
import { renderTemplate } from './prompt.js';
import type { AnswerParse, BuiltRequest, JudgeRequest, TokenUsage } from './types.js';
import { excerpt, JUDGE_VERDICTS, kindOf, parseVerdictText } from './verdict.js';

/** The schema sent with responseFormat `json_schema` (strict: every field required). */
export const VERDICT_JSON_SCHEMA = Object.freeze({
  type: 'object',
  additionalProperties: false,
  required: ['verdict', 'score', 'reason'],
  properties: {
    verdict: { type: 'string', enum: [...JUDGE_VERDICTS] },
    score: { type: 'number' },
    reason: { type: 'string' },
  },
});

function sideText(side: JudgeSide, which: string, max: number): string {
  let text: string;
  try {
    text = jsonText(side.value);
  } catch (error) {
    if (error instanceof TooDeepError) throw new SideTooLarge(`${which}'s value is ${error.message}`);
    throw error;
  }
  if (text.length > max) throw new SideTooLarge(`${which}'s value is ${text.length} characters as JSON, over maxValueChars (${max})`);
  return text;
}

class SideTooLarge extends Error {}

export function chatRequestBody(judge: ResolvedOpenAiChatJudge, request: Pick<JudgeRequest, 'method' | 'route' | 'path' | 'live' | 'candidate'>): BuiltRequest {
  let values: Record<'live' | 'candidate' | 'method' | 'route' | 'path', string>;
  try {
    values = {
      live: sideText(request.live, 'live', judge.maxValueChars),
      candidate: sideText(request.candidate, 'candidate', judge.maxValueChars),
      method: JSON.stringify(request.method),
      route: JSON.stringify(request.route),
      path: JSON.stringify(request.path),
    };
  } catch (error) {
    if (error instanceof SideTooLarge) return { tooLarge: error.message };
    throw error;
  }
  const messages: { role: string; content: string }[] = [];
  const system = renderTemplate(judge.system, values);
  if (system !== '') messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: renderTemplate(judge.prompt, values) });
  const body: Record<string, unknown> = {
    model: judge.model,
    messages,
    temperature: judge.temperature,
    max_tokens: judge.maxTokens,
    stream: false,
  };
  if (judge.seed !== null) body['seed'] = judge.seed;
  if (judge.responseFormat === 'json_object') body['response_format'] = { type: 'json_object' };
  if (judge.responseFormat === 'json_schema') {
    body['response_format'] = { type: 'json_schema', json_schema: { name: 'judge_verdict', strict: true, schema: VERDICT_JSON_SCHEMA } };
  }
  return { body: JSON.stringify(body) };
}

function usageOf(envelope: Record<string, unknown>): TokenUsage | null {
  const usage = envelope['usage'];
  if (usage === null || typeof usage !== 'object') return null;
  const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0);
  const u = usage as Record<string, unknown>;
  const promptTokens = count(u['prompt_tokens']);
  const completionTokens = count(u['completion_tokens']);
  const total = count(u['total_tokens']);
  return { promptTokens, completionTokens, totalTokens: total > 0 ? total : promptTokens + completionTokens };
}

/** Reads a chat-completions response body: the first choice's content must be the verdict JSON. */
export function parseChatAnswer(text: string, maxTokens: number): AnswerParse {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch (error) {
    return { ok: false, why: `the server's response is not JSON (${(error as Error).message}): ${excerpt(JSON.stringify(text))}`, usage: null };
  }
  if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) {
    return { ok: false, why: `the server's response is ${kindOf(envelope)}, expected a chat completion object`, usage: null };
  }
  const record = envelope as Record<string, unknown>;
  const usage = usageOf(record);
  const fail = (why: string): AnswerParse => ({ ok: false, why, usage });
  const error = record['error'];
  if (error !== undefined && error !== null) {
    const message =
      typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string'
        ? (error as { message: string }).message
        : JSON.stringify(error);
    return fail(`the server answered an error: ${excerpt(message)}`);
  }
  const choices = record['choices'];
  if (!Array.isArray(choices) || choices.length === 0) return fail('the response has no choices');
  const choice = choices[0] as Record<string, unknown> | null;
  const message = choice !== null && typeof choice === 'object' ? (choice['message'] as Record<string, unknown> | null | undefined) : undefined;
  if (message === null || message === undefined || typeof message !== 'object') return fail('choices[0] has no message');
  const content = message['content'];
  if (typeof content !== 'string') {
    const refusal = message['refusal'];
    if (typeof refusal === 'string' && refusal !== '') return fail(`the model refused: ${excerpt(refusal)}`);
    return fail(`choices[0].message.content is ${kindOf(content)}, expected the verdict JSON as a string`);
  }
  if (choice?.['finish_reason'] === 'length') return fail(`the answer was cut at maxTokens (${maxTokens}): raise maxTokens or ask for a shorter reason`);
  const verdict = parseVerdictText(content);
  if (!verdict.ok) return fail(`the model's answer: ${verdict.why}`);
  return { ok: true, value: verdict.value, usage };
}
