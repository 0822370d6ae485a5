import { describe, expect, it } from 'vitest';
import { BoundedQueue } from './bounded-queue.js';

describe('BoundedQueue', () => {
  it('refuses the record that would exceed the count bound', () => {
    const q = new BoundedQueue<number>(3, 1_000);
    expect([1, 2, 3, 4].map((n) => q.push(n, 10))).toEqual([true, true, true, false]);
    expect(q.length).toBe(3);
  });

  it('refuses the record that would exceed the byte bound, but accepts smaller ones after it', () => {
    const q = new BoundedQueue<string>(10, 100);
    expect(q.push('a', 60)).toBe(true);
    expect(q.push('big', 50)).toBe(false);
    expect(q.push('b', 40)).toBe(true);
    expect(q.chargedBytes).toBe(100);
  });

  it('takes in FIFO order within the batch record and byte limits', () => {
    const q = new BoundedQueue<number>(10, 1_000);
    for (let i = 0; i < 6; i++) q.push(i, 100);
    expect(q.take(4, 1_000).items).toEqual([0, 1, 2, 3]);
    expect(q.take(10, 150).items).toEqual([4]);
    expect(q.take(10, 1_000).items).toEqual([5]);
    expect(q.take(10, 1_000).items).toEqual([]);
  });

  it('always takes at least one record, even one larger than the batch byte limit', () => {
    const q = new BoundedQueue<string>(10, 10_000);
    q.push('huge', 5_000);
    q.push('small', 1);
    expect(q.take(10, 100).items).toEqual(['huge']);
  });

  it('keeps taken records charged until their batch is released', () => {
    const q = new BoundedQueue<number>(2, 1_000);
    q.push(1, 10);
    q.push(2, 10);
    const batch = q.take(2, 1_000);
    expect(q.length).toBe(0);
    expect(q.push(3, 10)).toBe(false); // in flight still counts
    q.release(batch);
    expect(q.chargedCount).toBe(0);
    expect(q.chargedBytes).toBe(0);
    expect(q.push(3, 10)).toBe(true);
  });

  it('wraps around the ring many times without losing order', () => {
    const q = new BoundedQueue<number>(4, 1_000);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      while (q.push(next, 1)) next++;
      const batch = q.take(3, 1_000);
      out.push(...batch.items);
      q.release(batch);
    }
    expect(out).toEqual(Array.from({ length: out.length }, (_, i) => i));
  });

  it('clear() discards and un-charges everything waiting', () => {
    const q = new BoundedQueue<number>(5, 1_000);
    for (let i = 0; i < 4; i++) q.push(i, 7);
    expect(q.clear()).toBe(4);
    expect(q.chargedBytes).toBe(0);
    expect(q.length).toBe(0);
  });
});
