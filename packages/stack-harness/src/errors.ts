export const HarnessErrorCodes = ['HARNESS_ENV_INCOMPLETE', 'HARNESS_LOCAL_STACK_FAILED', 'HARNESS_REPO_ROOT_NOT_FOUND', 'HARNESS_CONTAINERS_FAILED'] as const;
export type HarnessErrorCode = (typeof HarnessErrorCodes)[number];

export class HarnessError extends Error {
  override readonly name = 'HarnessError';
  readonly code: HarnessErrorCode;
  readonly retriable: boolean;
  constructor(code: HarnessErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}
