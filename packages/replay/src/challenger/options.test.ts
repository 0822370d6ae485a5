import { describe, expect, it } from 'vitest';
import { isReplayError } from '../errors.js';
import { resolveChallenger } from './options.js';
import type { ChallengerOptions } from './options.js';

function problem(options: ChallengerOptions): string {
  try {
    resolveChallenger(options, 'challengers[0]');
  } catch (error) {
    expect(isReplayError(error) && error.code === 'REPLAY_INVALID_OPTION').toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected REPLAY_INVALID_OPTION');
}

describe('resolveChallenger host', () => {
  it('defaults to the challenger address (GoReplay default) and accepts original', () => {
    expect(resolveChallenger({ id: 'c', baseUrl: 'http://127.0.0.1:1' }).host).toBe('challenger');
    expect(resolveChallenger({ id: 'c', baseUrl: 'http://127.0.0.1:1', host: 'original' }).host).toBe('original');
    expect(resolveChallenger({ id: 'c', baseUrl: 'https://cand.internal', host: 'original' }).host).toBe('original');
  });

  it('names the field and the accepted values for anything else', () => {
    expect(problem({ id: 'c', baseUrl: 'http://127.0.0.1:1', host: 'live' as never })).toBe(
      'challengers[0].host must be one of challenger, original, got "live"',
    );
  });

  it('refuses original with an https IP literal: no SNI to keep TLS on the challenger name', () => {
    expect(problem({ id: 'c', baseUrl: 'https://10.0.0.5:8443', host: 'original' })).toMatch(
      /^challengers\[0\]\.host "original" needs a DNS name in an https baseUrl/,
    );
    expect(problem({ id: 'c', baseUrl: 'https://[::1]:8443', host: 'original' })).toMatch(/challengers\[0\]\.host/);
    expect(resolveChallenger({ id: 'c', baseUrl: 'https://10.0.0.5:8443' }).host).toBe('challenger');
  });
});
