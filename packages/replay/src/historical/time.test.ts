import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.js';
import { parseInstant, parseSpeed } from './time.js';

describe('window parsing', () => {
  it('parses ISO and epoch milliseconds, rejects anything else naming the field', () => {
    expect(parseInstant('--from', '2026-11-29T10:00:00Z')).toBe(Date.UTC(2026, 10, 29, 10));
    expect(parseInstant('--to', '1764410400000')).toBe(1764410400000);
    expect(() => parseInstant('--from', 'yesterday')).toThrow(/--from must be/);
  });

  it('parses speeds', () => {
    expect(parseSpeed('max')).toBe('max');
    expect(parseSpeed('1x')).toBe(1);
    expect(parseSpeed('2.5x')).toBe(2.5);
    expect(() => parseSpeed('0x')).toThrow(/speed/);
    expect(() => parseSpeed('fast')).toThrow(/speed/);
  });
});

describe('Pacer', () => {
  it('schedules by capture time on one clock from the first exchange seen', () => {
    const p = new Pacer(2);
    expect(p.delayFor(1000, 0)).toBe(0);
    expect(p.delayFor(1100, 0)).toBe(50);
    expect(p.delayFor(1100, 40)).toBe(10);
    expect(p.delayFor(1050, 100)).toBe(0);
    expect(p.maxLatenessMs).toBe(75);
  });

  it('an interrupt ends a long wait for a slot', async () => {
    const p = new Pacer(1);
    await p.wait(0);
    const controller = new AbortController();
    const waiting = p.wait(3_600_000, controller.signal); // an hour-long idle gap in the capture
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
  });
});
