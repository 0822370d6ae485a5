import { describe, expect, it } from 'vitest';
import { topicNames } from '../topics.js';
import { resolveTopicsOptions } from './options.js';
import type { ObservedTopic } from './provision-topics.js';
import { assessTopics, ensureCommandFor } from './provision-topics.js';
import { topicSpec } from './topic-specs.js';

const names = topicNames('p.');
const data = (partitions: number, replicationFactor = 1): ObservedTopic => ({ partitions, replicationFactor, cleanupPolicy: 'delete' });
const control: ObservedTopic = { partitions: 1, replicationFactor: 1, cleanupPolicy: 'compact' };

function allPresent(partitions = 6): Map<string, ObservedTopic> {
  return new Map([
    [names.exchanges, data(partitions)],
    [names.results, data(partitions)],
    [names.sideEffects, data(partitions)],
    [names.deadLetter, data(partitions)],
    [names.control, control],
    [names.labels, data(partitions)],
    [names.progress, data(partitions)],
  ]);
}

describe('assessTopics', () => {
  it('is ok when every topic exists with one partition count and a compacted control topic', () => {
    const report = assessTopics(resolveTopicsOptions({ prefix: 'p.' }), allPresent(12));
    expect(report.ok).toBe(true);
    expect(report.topics.map((t) => [t.role, t.action, t.partitions])).toEqual([
      ['exchanges', 'exists', 12],
      ['results', 'exists', 12],
      ['sideEffects', 'exists', 12],
      ['control', 'exists', 1],
      ['deadLetter', 'exists', 12],
      ['labels', 'exists', 12],
      ['progress', 'exists', 12],
    ]);
  });

  it('reports a joined topic whose partition count differs from the exchanges topic, naming both counts', () => {
    const observed = allPresent(6);
    observed.set(names.results, data(3));
    const report = assessTopics(resolveTopicsOptions({ prefix: 'p.' }), observed);
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(/p\.shadow\.results\.v1 \(results\) has 3 partitions, not the 6/);
    expect(report.topics.find((t) => t.role === 'results')?.problems).toEqual(report.problems);
  });

  it('holds every joined topic to an explicit partition count', () => {
    const report = assessTopics(resolveTopicsOptions({ prefix: 'p.', partitions: 12 }), allPresent(6));
    expect(report.problems).toHaveLength(6);
    expect(report.problems.every((p) => p.includes('not the 12 asked for'))).toBe(true);
  });

  it('names a missing topic and the command that creates it', () => {
    const observed = allPresent();
    observed.delete(names.exchanges);
    const report = assessTopics(resolveTopicsOptions({ prefix: 'p.', roles: ['exchanges', 'control'] }), observed);
    expect(report.topics.map((t) => t.action)).toEqual(['missing', 'exists']);
    expect(report.problems).toEqual(['topic p.shadow.exchanges.v1 (exchanges) does not exist; create it with `shadow topics ensure --topic-prefix p.`']);
  });

  it('reports a control topic that is not compacted and a replication factor other than asked', () => {
    const observed = allPresent();
    observed.set(names.control, { partitions: 1, replicationFactor: 1, cleanupPolicy: 'delete' });
    const report = assessTopics(resolveTopicsOptions({ prefix: 'p.', replicationFactor: 3 }), observed);
    expect(report.problems.filter((p) => p.includes('cleanup.policy=delete'))).toHaveLength(1);
    expect(report.problems.filter((p) => p.includes('replication factor 1, not 3'))).toHaveLength(7);
  });
});

describe('topicSpec', () => {
  it('makes control compacted with one partition and keeps tombstones a day', () => {
    expect(topicSpec('control', 'c', { partitions: 6 })).toEqual({
      topic: 'c',
      numPartitions: 1,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'delete.retention.ms', value: '86400000' },
      ],
    });
  });

  it('gives data topics the partition count, replication factor and retention asked for', () => {
    expect(topicSpec('results', 'r', { partitions: 6, replicationFactor: 3, retentionMs: 1000 })).toEqual({
      topic: 'r',
      numPartitions: 6,
      replicationFactor: 3,
      configEntries: [{ name: 'retention.ms', value: '1000' }],
    });
    expect(topicSpec('exchanges', 'e', { partitions: 2 })).toEqual({ topic: 'e', numPartitions: 2 });
  });
});

describe('resolveTopicsOptions', () => {
  it('defaults to 6 partitions and every role', () => {
    const o = resolveTopicsOptions();
    expect(o).toMatchObject({ prefix: '', partitions: 6, partitionsGiven: false, replicationFactor: null, retentionMs: null });
    expect(o.roles).toEqual(['exchanges', 'results', 'sideEffects', 'control', 'deadLetter', 'labels', 'progress']);
  });

  it('names the bad field', () => {
    expect(() => resolveTopicsOptions({ partitions: 0 })).toThrow(/partitions must be an integer in \[1, 10000\], got 0/);
    expect(() => resolveTopicsOptions({ roles: ['nope' as never] })).toThrow(/roles: "nope" is not a topic role/);
    expect(() => resolveTopicsOptions({ partition: 3 } as never)).toThrow(/partition is not a known topics option/);
  });

  it('ensureCommandFor includes the prefix only when there is one', () => {
    expect(ensureCommandFor('')).toBe('shadow topics ensure');
    expect(ensureCommandFor('t.')).toBe('shadow topics ensure --topic-prefix t.');
  });
});
