import { describe, expect, it } from 'vitest';
import { CodedError, errorConverter, messageOf } from './coded-error.js';

type XCode = 'X_BAD' | 'X_DOWN' | 'X_UNKNOWN';
const RETRIABLE: Record<XCode, boolean> = { X_BAD: false, X_DOWN: true, X_UNKNOWN: false };

class XError extends CodedError<XCode> {
  override readonly name = 'XError';
  constructor(code: XCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? RETRIABLE[code] });
  }
}

describe('CodedError', () => {
  it("carries code, message, cause and the code's retriable default unless overridden", () => {
    const cause = new Error('socket');
    const e = new XError('X_DOWN', 'down', { cause });
    expect([e.name, e.code, e.message, e.cause, e.retriable, e instanceof Error]).toEqual(['XError', 'X_DOWN', 'down', cause, true, true]);
    expect(new XError('X_DOWN', 'd', { retriable: false }).retriable).toBe(false);
    expect('cause' in new XError('X_BAD', 'no cause')).toBe(false);
  });
});

describe('errorConverter', () => {
  const toXError = errorConverter(XError, 'X_UNKNOWN', {
    recognise: (value, message) =>
      (value as { code?: unknown } | null)?.code === 'ECONNREFUSED' ? new XError('X_DOWN', `down: ${message}`, { cause: value }) : undefined,
  });

  it('passes its own errors through, maps what it recognises, wraps the rest with the fallback and the cause', () => {
    const own = new XError('X_BAD', 'bad');
    expect(toXError(own)).toBe(own);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(toXError(refused)).toMatchObject({ code: 'X_DOWN', message: 'down: connect ECONNREFUSED', retriable: true, cause: refused });
    expect(toXError(new TypeError('boom'))).toMatchObject({ code: 'X_UNKNOWN', message: 'boom', retriable: false });
    expect(toXError('text', 'X_BAD')).toMatchObject({ code: 'X_BAD', message: 'text' });
  });

  it('keeps a foreign retriable: true only when asked to', () => {
    const foreign = Object.assign(new Error('later'), { retriable: true });
    expect(toXError(foreign).retriable).toBe(false);
    expect(errorConverter(XError, 'X_UNKNOWN', { keepRetriable: true })(foreign).retriable).toBe(true);
  });

  it('names non-errors by their JSON', () => {
    expect(messageOf(42)).toBe('42');
    expect(messageOf({ a: 1 })).toBe('{"a":1}');
    expect(messageOf(undefined)).toBe('undefined');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(messageOf(circular)).toBe('[object Object]');
  });
});
