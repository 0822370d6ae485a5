import { describe, expect, it } from 'vitest';
import { assignCoPartitioned, checkCoPartitioned } from './co-partition-assigner.js';
import { JoinError } from '../errors.js';

const topics = { 'shadow.exchanges.v1': 6, 'shadow.results.v1': 6, 'shadow.side-effects.v1': 6 };

describe('assignCoPartitioned', () => {
  it('gives partition N of every topic to the same member, across 3 members, covering each partition once', () => {
    const a = assignCoPartitioned(['m-c', 'm-a', 'm-b'], topics);
    expect(a.size).toBe(3);
    const owner = new Map<string, string>();
    for (const [member, assignment] of a) {
      const sets = Object.values(assignment).map((ps) => JSON.stringify(ps));
      expect(new Set(sets).size).toBe(1); // same partitions on every topic
      expect(Object.keys(assignment).sort()).toEqual(Object.keys(topics).sort());
      for (const [topic, ps] of Object.entries(assignment)) {
        for (const p of ps) {
          const key = `${topic}/${p}`;
          expect(owner.has(key)).toBe(false);
          owner.set(key, member);
        }
      }
    }
    expect(owner.size).toBe(18);
    expect(a.get('m-a')?.['shadow.results.v1']).toEqual([0, 3]);
    expect(a.get('m-b')?.['shadow.results.v1']).toEqual([1, 4]);
    expect(a.get('m-c')?.['shadow.results.v1']).toEqual([2, 5]);
  });

  it('is the same whatever order members are listed in (every leader computes the same)', () => {
    expect([...assignCoPartitioned(['x', 'y', 'z'], topics)]).toEqual([...assignCoPartitioned(['z', 'x', 'y'], topics)]);
  });

  it('leaves extra members idle when there are more members than partitions', () => {
    const a = assignCoPartitioned(['a', 'b', 'c'], { t1: 2, t2: 2 });
    expect(a.get('c')).toEqual({});
    expect(a.get('a')).toEqual({ t1: [0], t2: [0] });
  });
});

describe('checkCoPartitioned', () => {
  it('names every topic and its count when counts differ', () => {
    let error: unknown;
    try {
      checkCoPartitioned({ 'p.shadow.exchanges.v1': 6, 'p.shadow.results.v1': 3, 'p.shadow.side-effects.v1': 6 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JoinError);
    expect((error as JoinError).code).toBe('JOIN_PARTITION_MISMATCH');
    expect((error as JoinError).message).toContain('p.shadow.results.v1=3');
    expect((error as JoinError).message).toContain('p.shadow.exchanges.v1=6');
  });

  it('reports a topic without partitions as missing', () => {
    expect(() => checkCoPartitioned({ a: 4, b: 0 })).toThrow(expect.objectContaining({ code: 'JOIN_TOPIC_MISSING' }));
  });

  it('returns the common count', () => {
    expect(checkCoPartitioned(topics)).toBe(6);
  });
});
