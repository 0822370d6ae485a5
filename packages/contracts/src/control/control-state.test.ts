import { describe, expect, it } from 'vitest';
import { effectiveState } from './control-state.js';
import type { ControlMessage, MirroringState } from './types.js';

const msg = (mirroring: MirroringState): ControlMessage => ({ mirroring, reason: 'r', by: 'b', at: 'a' });

describe('effectiveState', () => {
  it('is active without entries', () => {
    expect(effectiveState(new Map(), 'svc').state).toBe('active');
  });

  it('a pause for all or for the service pauses', () => {
    expect(effectiveState(new Map([['*', msg('paused')]]), 'svc')).toMatchObject({ state: 'paused', key: '*' });
    expect(
      effectiveState(
        new Map([
          ['svc', msg('paused')],
          ['*', msg('active')],
        ]),
        'svc',
      ),
    ).toMatchObject({ state: 'paused', key: 'svc' });
  });

  it('other services entries do not matter', () => {
    expect(effectiveState(new Map([['other', msg('paused')]]), 'svc').state).toBe('active');
  });

  it('a service-level active does not override a global pause', () => {
    expect(
      effectiveState(
        new Map([
          ['svc', msg('active')],
          ['*', msg('paused')],
        ]),
        'svc',
      ).state,
    ).toBe('paused');
  });

  it("obeys every name of a process (a replayer's keys): a pause of any of them wins", () => {
    const entries = new Map([
      ['shadow-replayer', msg('active')],
      ['replayer-eu', msg('paused')],
    ]);
    expect(effectiveState(entries, ['shadow-replayer', 'replayer-eu'])).toMatchObject({ state: 'paused', key: 'replayer-eu' });
    expect(effectiveState(entries, ['shadow-replayer'])).toMatchObject({ state: 'active', key: 'shadow-replayer' });
  });
});
