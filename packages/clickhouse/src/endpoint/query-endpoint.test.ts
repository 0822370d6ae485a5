// What every endpoint query runs with. The engine side (readonly=2 refusing writes, the limits
// failing queries) is proven over HTTP in test/query-endpoint*.test.ts; here, the order and values.
import { describe, expect, it } from 'vitest';
import type { ClickHouse } from '../types.js';
import { resolveQueryEndpointOptions } from './options.js';
import { engineSettings } from './query-endpoint.js';

const options = resolveQueryEndpointOptions({
  clickhouse: { mode: 'embedded', client: {}, database: 'shadow', location: '/data' } as unknown as ClickHouse,
  limits: { maxResultRows: 100, maxMemoryBytes: 1000 },
});

describe('engineSettings', () => {
  it("sets the limits and readonly=2 last, after the client's validated settings", () => {
    const settings = engineSettings(
      new Map<string, number | boolean | string>([
        ['max_threads', 2],
        ['extremes', true],
      ]),
      'JSON',
      options,
    );
    expect(Object.keys(settings).at(-1)).toBe('readonly');
    expect(settings).toEqual({
      max_threads: 2,
      extremes: true,
      max_result_rows: '100',
      max_result_bytes: String(options.limits.maxResultBytes),
      result_overflow_mode: 'throw',
      max_execution_time: options.limits.maxExecutionTimeSec,
      timeout_overflow_mode: 'throw',
      max_memory_usage: '1000',
      default_format: 'JSON',
      readonly: '2',
    });
  });

  it("keeps a client's lower limits (already clamped) and overflow mode", () => {
    const settings = engineSettings(
      new Map<string, number | boolean | string>([
        ['max_result_rows', 5],
        ['result_overflow_mode', 'break'],
        ['max_memory_usage', 10],
      ]),
      'TSV',
      options,
    );
    expect(settings).toMatchObject({ max_result_rows: '5', result_overflow_mode: 'break', max_memory_usage: '10', readonly: '2' });
  });
});
