import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  it('holds at most `limit`, hands a released slot to the first waiter, and a double release frees one slot only', async () => {
    const s = new Semaphore(2);
    const a = await s.acquire();
    const b = await s.acquire();
    const order: string[] = [];
    const c = s.acquire().then((release) => (order.push('c'), release));
    const d = s.acquire().then((release) => (order.push('d'), release));
    await Promise.resolve();
    expect([s.active, s.waiting, order]).toEqual([2, 2, []]);
    a();
    a();
    const releaseC = await c;
    expect([s.active, s.waiting, order]).toEqual([2, 1, ['c']]);
    b();
    (await d)();
    releaseC();
    expect([s.active, s.waiting, order]).toEqual([0, 0, ['c', 'd']]);
  });
});
