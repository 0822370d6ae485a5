import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TAP_ERROR_CODES, TapError, toTapError } from './errors.js';

describe('TapError', () => {
  it('every code is documented in docs/tap.md', () => {
    const doc = readFileSync(new URL('../../../docs/tap.md', import.meta.url), 'utf8');
    for (const code of TAP_ERROR_CODES) expect(doc, `docs/tap.md does not document ${code}`).toContain(`\`${code}\``);
  });

  it('carries code, retriable and cause', () => {
    const cause = new Error('broker down');
    const error = new TapError('TAP_TRANSPORT_FAILED', 'start failed', { cause });
    expect(error).toMatchObject({ name: 'TapError', code: 'TAP_TRANSPORT_FAILED', retriable: true, cause });
    expect(new TapError('TAP_INVALID_OPTION', 'x').retriable).toBe(false);
  });

  it('toTapError passes TapErrors through and wraps anything else', () => {
    const tapError = new TapError('TAP_CLOSED', 'closed');
    expect(toTapError(tapError)).toBe(tapError);
    expect(toTapError(new Error('boom'), 'TAP_CAPTURE_FAILED')).toMatchObject({ code: 'TAP_CAPTURE_FAILED', message: 'boom' });
    expect(toTapError('text')).toMatchObject({ code: 'TAP_UNKNOWN', message: 'text', cause: 'text' });
    expect(toTapError(42).message).toBe('42');
  });
});
