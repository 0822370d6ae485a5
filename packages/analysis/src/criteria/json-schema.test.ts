import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { criteriaJsonSchemaText } from './json-schema.js';

describe('criteria.schema.json', () => {
  it('equals what scripts/generate-criteria-schema.ts generates (run it after changing the schema)', () => {
    const committed = readFileSync(new URL('../../criteria.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(criteriaJsonSchemaText());
  });

  it('describes version 1, the criteria and the per-route overrides', () => {
    const schema = JSON.parse(criteriaJsonSchemaText()) as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { const?: unknown; additionalProperties?: unknown }>;
    };
    expect(schema.required).toEqual(['version']);
    expect(schema.properties.version?.const).toBe(1);
    expect(schema.additionalProperties).toBe(false);
    for (const key of [
      'sample',
      'statistics',
      'exclude',
      'agreement',
      'agreementAfterJudge',
      'judge',
      'latency',
      'errorRate',
      'sideEffects',
      'business',
      'accuracy',
      'routes',
    ]) {
      expect(schema.properties, key).toHaveProperty(key);
    }
  });

  it('offers maxFactorOfSecondary next to maxFactorOfLive, and exclude.sandboxInduced (default true)', () => {
    const schema = JSON.parse(criteriaJsonSchemaText()) as {
      properties: { latency: { items: { properties: Record<string, unknown> } }; exclude: { properties: Record<string, { default?: unknown }> } };
    };
    expect(Object.keys(schema.properties.latency.items.properties)).toEqual(
      expect.arrayContaining(['maxMs', 'maxFactorOfSecondary', 'maxFactorOfLive', 'combine']),
    );
    expect(schema.properties.exclude.properties['sandboxInduced']?.default).toBe(true);
  });
});
