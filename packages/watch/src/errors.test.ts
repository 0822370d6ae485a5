import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isWatchError, toWatchError, WATCH_ERROR_CODES, WatchError } from './errors.js';

const doc = readFileSync(new URL('../../../docs/watch.md', import.meta.url), 'utf8');

describe('errors', () => {
  it('docs/watch.md documents every error code', () => {
    const documented = WATCH_ERROR_CODES.filter((code) => new RegExp(`^\\|\\s*\`${code}\``, 'm').test(doc));
    expect(documented).toEqual([...WATCH_ERROR_CODES]);
  });

  it('carries code, problems, retriable; foreign errors are converted once', () => {
    const e = new WatchError('WATCH_INVALID_CONFIG', 'bad', { problems: ['alerts.rules[0].min: x'] });
    expect(e).toMatchObject({ code: 'WATCH_INVALID_CONFIG', problems: ['alerts.rules[0].min: x'], retriable: false, name: 'WatchError' });
    expect(isWatchError(e)).toBe(true);
    expect(toWatchError(e, 'WATCH_STORE_FAILED', 'x')).toBe(e);
    const cause = Object.assign(new Error('timeout'), { retriable: true });
    const converted = toWatchError(cause, 'WATCH_STORE_FAILED', 'insert into resource_samples');
    expect(converted).toMatchObject({ code: 'WATCH_STORE_FAILED', message: 'insert into resource_samples: timeout', retriable: true, cause });
    expect(isWatchError(new Error('x'))).toBe(false);
  });
});
