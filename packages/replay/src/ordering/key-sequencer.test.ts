import { describe, expect, it } from 'vitest';
import { KeySequencer, orderingKeyOf, parseOrdering } from './key-sequencer.js';

describe('KeySequencer', () => {
  it('runs tasks of one key in submission order, other keys concurrently, and forgets idle keys', async () => {
    const seq = new KeySequencer();
    const log: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const first = seq.run(
      'k',
      () =>
        new Promise<void>(
          (r) =>
            (releaseFirst = () => {
              log.push('k1');
              r();
            }),
        ),
    );
    const second = seq.run('k', async () => {
      log.push('k2');
    });
    const other = seq.run('j', async () => {
      log.push('j1');
    });
    await other;
    expect(log).toEqual(['j1']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(log).toEqual(['j1', 'k1', 'k2']);
    await new Promise((r) => setImmediate(r));
    expect(seq.keysInFlight).toBe(0);
  });

  it('a failed task does not block the next one of the same key', async () => {
    const seq = new KeySequencer();
    const a = seq.run('k', () => Promise.reject(new Error('x')));
    const b = seq.run('k', async () => 'ok');
    await expect(a).rejects.toThrow('x');
    await expect(b).resolves.toBe('ok');
  });

  it('derives keys from the ordering option', () => {
    expect(orderingKeyOf({ mode: 'none' }, {})).toBeNull();
    expect(orderingKeyOf({ mode: 'all' }, {})).toBe('*');
    expect(orderingKeyOf({ mode: 'header', header: 'x-session' }, { 'x-session': ['s1'] })).toBe('h:s1');
    expect(orderingKeyOf({ mode: 'header', header: 'x-session' }, {})).toBeNull();
    expect(parseOrdering('header:X-Session')).toEqual({ mode: 'header', header: 'x-session' });
    expect(parseOrdering('bogus')).toBeNull();
  });
});
