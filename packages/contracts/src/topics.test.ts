import { describe, expect, it } from 'vitest';
import { ContractsError } from './errors.js';
import { MAX_TOPIC_PREFIX_LENGTH, partitionKey, subjectFor, topicNames, topicPrefixProblem, topics } from './topics.js';

describe('topics', () => {
  it('has the documented default names', () => {
    expect(topics).toEqual({
      exchanges: 'shadow.exchanges.v1',
      results: 'shadow.results.v1',
      sideEffects: 'shadow.side-effects.v1',
      control: 'shadow.control.v1',
      deadLetter: 'shadow.dead-letter.v1',
      labels: 'shadow.labels.v1',
      progress: 'shadow.replay-progress.v1',
    });
    expect(Object.isFrozen(topics)).toBe(true);
  });

  it('prefixes every topic verbatim', () => {
    expect(topicNames('tenant-a.').exchanges).toBe('tenant-a.shadow.exchanges.v1');
    expect(topicNames('t_1-').control).toBe('t_1-shadow.control.v1');
  });

  it('rejects prefixes Kafka would reject, naming the prefix', () => {
    expect(() => topicNames('bad/prefix')).toThrow(ContractsError);
    expect(() => topicNames('bad prefix')).toThrow(/"bad prefix"/);
    expect(() => topicNames('x'.repeat(240))).toThrow(/longer than 249/);
  });

  it('has one prefix rule, by class: characters outside the allow list, length, type; the longest legal prefix fits', () => {
    for (const bad of ['a/b', 'a b', 'a:b', 'a\u0000', 'ünï', '../x', 'a,b', '${x}']) expect(topicPrefixProblem(bad), bad).toMatch(/may only contain/);
    expect(topicPrefixProblem('x'.repeat(MAX_TOPIC_PREFIX_LENGTH + 1))).toMatch(/at most 224/);
    expect(topicPrefixProblem(7)).toMatch(/must be a string/);
    expect(topicPrefixProblem('')).toBeNull();
    const longest = 'x'.repeat(MAX_TOPIC_PREFIX_LENGTH);
    expect(topicPrefixProblem(longest)).toBeNull();
    expect(Math.max(...Object.values(topicNames(longest)).map((n) => n.length))).toBe(249);
  });

  it('resolves a prefix once per process: the same frozen names every time', () => {
    expect(topicNames('tenant-b.')).toBe(topicNames('tenant-b.'));
    expect(Object.isFrozen(topicNames('tenant-b.'))).toBe(true);
  });

  it('keys records by exchange id and refuses an empty one', () => {
    expect(partitionKey('ex-1')).toBe('ex-1');
    expect(() => partitionKey('')).toThrow(expect.objectContaining({ code: 'CONTRACTS_INVALID_ARGUMENT' }));
  });

  it('uses TopicNameStrategy subjects', () => {
    expect(subjectFor(topics.exchanges)).toBe('shadow.exchanges.v1-value');
    expect(() => subjectFor('')).toThrow(ContractsError);
  });
});
