import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SANDBOX_ERROR_CODES, SandboxError, toSandboxError } from './errors.js';

describe('SandboxError', () => {
  it('every code is documented in docs/sandbox.md', () => {
    const doc = readFileSync(new URL('../../../docs/sandbox.md', import.meta.url), 'utf8');
    for (const code of SANDBOX_ERROR_CODES) expect(doc, `docs/sandbox.md does not document ${code}`).toContain(`\`${code}\``);
  });

  it('carries code, retriable and cause', () => {
    const cause = new Error('EADDRINUSE');
    const error = new SandboxError('SANDBOX_LISTEN_FAILED', 'listen failed', { cause });
    expect(error).toMatchObject({ name: 'SandboxError', code: 'SANDBOX_LISTEN_FAILED', retriable: true, cause });
    expect(new SandboxError('SANDBOX_INVALID_OPTION', 'x').retriable).toBe(false);
  });

  it('toSandboxError passes SandboxErrors through and wraps anything else', () => {
    const own = new SandboxError('SANDBOX_CLOSED', 'closed');
    expect(toSandboxError(own)).toBe(own);
    expect(toSandboxError(new Error('boom'), 'SANDBOX_LISTEN_FAILED')).toMatchObject({ code: 'SANDBOX_LISTEN_FAILED', message: 'boom' });
    expect(toSandboxError('text')).toMatchObject({ code: 'SANDBOX_UNKNOWN', message: 'text', cause: 'text' });
    expect(toSandboxError(42).message).toBe('42');
  });
});
