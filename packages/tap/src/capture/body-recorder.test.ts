import { describe, expect, it } from 'vitest';
import { BodyRecorder, ByteBudget } from './body-recorder.js';

describe('BodyRecorder', () => {
  it('keeps an exact prefix up to the limit, counts the full size and flags truncation', () => {
    const body = new BodyRecorder(10, new ByteBudget(1000));
    body.addBytes(Buffer.from('0123456'));
    body.addBytes(Buffer.from('789abcdef'));
    body.addBytes(Buffer.from('ghij'));
    expect(body.size).toBe(20);
    expect(body.truncated).toBe(true);
    expect(body.take().toString()).toBe('0123456789');
  });

  it('is not truncated at exactly the limit', () => {
    const body = new BodyRecorder(4, new ByteBudget(1000));
    body.addBytes(Buffer.from('abcd'));
    expect(body.truncated).toBe(false);
    expect(body.take().toString()).toBe('abcd');
  });

  it('copies, so later changes to the caller buffer do not alter the capture', () => {
    const body = new BodyRecorder(100, new ByteBudget(1000));
    const chunk = Buffer.from('hello');
    body.addBytes(chunk);
    chunk.fill(0);
    expect(body.take().toString()).toBe('hello');
  });

  it('encodes strings and never splits a character at the limit', () => {
    const body = new BodyRecorder(5, new ByteBudget(1000));
    body.addString('abcd€', 'utf8');
    expect(body.size).toBe(7);
    expect(body.truncated).toBe(true);
    expect(body.take().toString()).toBe('abcd');
    const hex = new BodyRecorder(10, new ByteBudget(1000));
    hex.addString('00ff', 'hex');
    expect([...hex.take()]).toEqual([0, 255]);
  });

  it('shares the in-flight budget and returns it when the body is taken or discarded', () => {
    const budget = new ByteBudget(8);
    const a = new BodyRecorder(100, budget);
    const b = new BodyRecorder(100, budget);
    a.addBytes(Buffer.alloc(6, 1));
    b.addBytes(Buffer.alloc(6, 2));
    expect(budget.inUse).toBe(8);
    expect(b.truncated).toBe(true);
    expect(b.take().length).toBe(2);
    expect(budget.inUse).toBe(6);
    a.discard();
    expect(budget.inUse).toBe(0);
    expect(a.take().length).toBe(0);
    expect(budget.inUse).toBe(0);
  });
});
