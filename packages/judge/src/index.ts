// @shadow/judge: an external judge from configuration, for what a diff cannot decide (generated
// text, rankings, scores). See docs/judge.md.

export { createJudges } from './judge/judge.js';
export type { CreateJudgesOptions, Judge, Judges } from './judge/judge.js';
export { JUDGE_FAILURE_KINDS, NOT_RUN_REASONS } from './judge/types.js';
export type {
  Judgement,
  JudgementCore,
  JudgementVerdict,
  JudgementRole,
  JudgeAudit,
  JudgeEvent,
  JudgeEventListener,
  JudgeFailureKind,
  NotRunReason,
} from './judge/types.js';
export type { JudgeRequest, TokenUsage } from './protocol/types.js';

export {
  resolveJudgeConfig,
  resolveJudgeConfigOrThrow,
  judgeSchema,
  judgesSchema,
  httpJudgeSchema,
  openAiChatJudgeSchema,
  JUDGE_TYPES,
  RESPONSE_FORMATS,
} from './config/options.js';
export type {
  JudgeConfig,
  JudgeOptions,
  JudgesOptions,
  HttpJudgeOptions,
  OpenAiChatJudgeOptions,
  ResolvedJudge,
  ResolvedHttpJudge,
  ResolvedOpenAiChatJudge,
  ResolveJudgeConfigOptions,
  JudgeType,
  ResponseFormat,
} from './config/options.js';

export { DEFAULT_SYSTEM_PROMPT, DEFAULT_USER_PROMPT, PLACEHOLDERS } from './protocol/prompt.js';
export { parseVerdict, parseVerdictText, JUDGE_VERDICTS, MAX_REASON_CHARS } from './protocol/verdict.js';
export type { ParsedVerdict, AnswerVerdict } from './protocol/verdict.js';
export { parseChatAnswer, VERDICT_JSON_SCHEMA } from './protocol/openai-chat.js';
export type { BudgetUsage } from './limits/daily-budget.js';

export { JudgeError, JUDGE_ERROR_CODES, isJudgeError } from './errors.js';
export type { JudgeErrorCode, JudgeErrorOptions } from './errors.js';
