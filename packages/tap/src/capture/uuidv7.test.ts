import { describe, expect, it } from 'vitest';
import { uuidv7 } from './uuidv7.js';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function timestampOf(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}

describe('uuidv7', () => {
  it('has the RFC 9562 layout: version 7, variant 10, 48-bit millisecond timestamp', () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    expect(id).toMatch(FORMAT);
    expect(timestampOf(id)).toBeGreaterThanOrEqual(before);
    expect(timestampOf(id)).toBeLessThanOrEqual(after + 1);
  });

  it('sorts in generation order within a process, including many ids in one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    expect(ids.filter((id, i) => i > 0 && !(id > ids[i - 1]!))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays monotonic when the counter overflows or the clock steps back', () => {
    const frozen = Date.now() + 60_000;
    const ids = Array.from({ length: 10_000 }, () => uuidv7(frozen));
    ids.push(uuidv7(frozen - 5_000));
    expect(ids.filter((id, i) => i > 0 && !(id > ids[i - 1]!))).toEqual([]);
    expect(ids.filter((id) => !FORMAT.test(id))).toEqual([]);
  });
});
