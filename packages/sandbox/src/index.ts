export { createSandbox, UNATTRIBUTED_EXCHANGE_ID } from './sandbox.js';
export type { DispositionCounts, ExpectedExchange, RecordedCall, Sandbox, SandboxEndpoints, SandboxStats, SideEffectHandler } from './types.js';
export type { SandboxChallenger, SandboxDependency, SandboxLogger, SandboxOptionProblem, SandboxOptions } from './options.js';
export { DEFAULT_SIDE_EFFECT_REDACTED_HEADERS, validateSandboxOptions } from './options.js';
export type { RuleAction, SandboxRule, SandboxStub } from './rules/rules.js';
export { READ_METHODS, RULE_ACTIONS } from './rules/rules.js';
export { DEPENDENCY_PREFIX } from './http/call-target.js';
export type { SandboxErrorCode, SandboxErrorOptions } from './errors.js';
export { isSandboxError, SANDBOX_ERROR_CODES, SandboxError, toSandboxError } from './errors.js';
