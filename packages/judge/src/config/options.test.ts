import { describe, expect, it } from 'vitest';
import { resolveJudgeConfig, resolveJudgeConfigOrThrow } from './options.js';
import { JudgeError } from '../errors.js';

const env = { JUDGE_TOKEN: 'sekret-123', OPENAI_KEY: 'sk-local' };

function problems(input: unknown, e: Record<string, string | undefined> = env): string[] {
  const result = resolveJudgeConfig(input, { env: e });
  return 'problems' in result ? result.problems : [];
}

describe('resolveJudgeConfig', () => {
  it('fills every default and resolves header secrets from the environment', () => {
    const result = resolveJudgeConfig(
      {
        ranker: {
          type: 'http',
          url: 'http://127.0.0.1:9000/judge',
          headers: { Authorization: { env: 'JUDGE_TOKEN', prefix: 'Bearer ' }, 'x-team': { value: 'search' } },
        },
        summary: { type: 'openai-chat', baseUrl: 'http://127.0.0.1:8080/v1/', model: 'qwen2.5', apiKeyEnv: 'OPENAI_KEY' },
      },
      { env },
    );
    if (!('config' in result)) throw new Error(result.problems.join('\n'));
    const { ranker, summary } = result.config.judges;
    expect(ranker).toMatchObject({
      type: 'http',
      url: 'http://127.0.0.1:9000/judge',
      timeoutMs: 30_000,
      deadlineMs: 120_000,
      concurrency: 4,
      ratePerSecond: null,
      maxQueue: 1000,
      retries: { max: 3, initialDelayMs: 500, maxDelayMs: 30_000 },
      budget: { callsPerDay: null, tokensPerDay: null },
      cache: { maxEntries: 10_000, ttlMs: 86_400_000 },
      sampleRate: 1,
      audit: { secondaryRate: 0, judge: null, judgeRate: 0 },
      maxRequestBytes: 1_048_576,
      maxResponseBytes: 1_048_576,
      headers: { authorization: 'Bearer sekret-123', 'x-team': 'search' },
    });
    expect(summary).toMatchObject({
      type: 'openai-chat',
      url: 'http://127.0.0.1:8080/v1/chat/completions',
      model: 'qwen2.5',
      responseFormat: 'json_object',
      temperature: 0,
      maxTokens: 512,
      seed: null,
      maxValueChars: 16_000,
      headers: { authorization: 'Bearer sk-local' },
    });
    expect(Object.isFrozen(result.config.judges)).toBe(true);
  });

  it('keeps secrets out of the config version, and changes it with the config or `version`', () => {
    const spec = { type: 'http', url: 'http://127.0.0.1:1/j', headers: { authorization: { env: 'JUDGE_TOKEN' } } };
    const version = (input: unknown, e = env): string => resolveJudgeConfigOrThrow({ j: input }, { env: e }).judges['j']?.configVersion ?? '';
    expect(version(spec)).toBe(version(spec, { ...env, JUDGE_TOKEN: 'rotated' }));
    expect(version({ ...spec, version: '2' })).not.toBe(version(spec));
    expect(version({ ...spec, url: 'http://127.0.0.1:2/j' })).not.toBe(version(spec));
    expect(version(spec)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names every bad field by full path, all at once, across judges', () => {
    const found = problems({
      a: { type: 'http', url: 'ftp://x', timeoutMs: -1, retries: { max: 'three' }, sampleRate: 2, colour: 'blue' },
      b: { type: 'openai-chat', baseUrl: 'http://127.0.0.1/v1', responseFormat: 'yaml', budget: { callsPerDay: 0 } },
      c: { type: 'grpc' },
      'bad id': { type: 'http', url: 'http://x' },
    });
    const fields = found.map((p) => p.slice(0, p.indexOf(':')));
    expect(fields).toEqual(
      expect.arrayContaining([
        'judges.a.url',
        'judges.a.timeoutMs',
        'judges.a.retries.max',
        'judges.a.sampleRate',
        'judges.a.colour',
        'judges.b.model',
        'judges.b.responseFormat',
        'judges.b.budget.callsPerDay',
        'judges.c.type',
        'judges.bad id',
      ]),
    );
    expect(found.find((p) => p.startsWith('judges.a.colour'))).toMatch(/unknown field \(accepted: .*url.*timeoutMs/);
    expect(found.find((p) => p.startsWith('judges.a.timeoutMs'))).toMatch(/got -1$/);
    expect(found.find((p) => p.startsWith('judges.b.model'))).toMatch(/not set/);
  });

  it("uses the caller's field prefix (the joiner nests judges under compare)", () => {
    const result = resolveJudgeConfig({ j: { type: 'http', url: 'nope' } }, { env, field: 'compare.judges' });
    expect(result).toEqual({ problems: [expect.stringMatching(/^compare\.judges\.j\.url: /)] });
  });

  it('fails start-up on an environment variable that is not set, naming the field and the variable', () => {
    expect(problems({ j: { type: 'http', url: 'http://127.0.0.1/j', headers: { authorization: { env: 'MISSING_TOKEN' } } } })).toEqual([
      'judges.j.headers.authorization.env: environment variable MISSING_TOKEN is not set',
    ]);
    expect(problems({ s: { type: 'openai-chat', baseUrl: 'http://127.0.0.1/v1', model: 'm', apiKeyEnv: 'NO_KEY' } }, {})).toEqual([
      'judges.s.apiKeyEnv: environment variable NO_KEY is not set',
    ]);
  });

  it('refuses header values that would split a header, without printing the secret', () => {
    const found = problems(
      { j: { type: 'http', url: 'http://127.0.0.1/j', headers: { 'x-a': { env: 'EVIL' }, 'x-b': { value: 'a\r\nInjected: 1' } } } },
      { EVIL: 'tok\r\nX-Evil: 1' },
    );
    expect(found).toHaveLength(2);
    expect(found[0]).toBe('judges.j.headers.x-a.env: environment variable EVIL contains CR, LF or NUL');
    expect(found[1]).toMatch(/^judges\.j\.headers\.x-b\.value: must not contain CR, LF or NUL/);
    expect(found.join('\n')).not.toContain('X-Evil');
  });

  it('refuses secrets written in the config, headers the client sets, and a header spec that is both or neither', () => {
    const found = problems({
      j: {
        type: 'http',
        url: 'http://127.0.0.1/j',
        headers: {
          authorization: { value: 'Bearer abc' },
          'X-Api-Key': { value: 'k' },
          'content-type': { value: 'text/plain' },
          host: { value: 'evil' },
          'x-both': { env: 'JUDGE_TOKEN', value: 'v' },
          'x-none': {},
          'bad name': { value: 'v' },
        },
      },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^judges\.j\.headers\.authorization\.value: .*environment variable/),
        expect.stringMatching(/^judges\.j\.headers\.X-Api-Key\.value: .*environment variable/),
        'judges.j.headers.content-type: set by the judge client, cannot be configured',
        'judges.j.headers.host: set by the judge client, cannot be configured',
        expect.stringMatching(/^judges\.j\.headers\.x-both: expected exactly one/),
        expect.stringMatching(/^judges\.j\.headers\.x-none: expected exactly one/),
        expect.stringMatching(/^judges\.j\.headers\.bad name: must be a header name/),
      ]),
    );
  });

  it('refuses URLs with credentials, fragments or another scheme', () => {
    for (const url of ['http://user:pw@127.0.0.1/j', 'http://127.0.0.1/j#x', 'file:///etc/passwd', 'javascript:alert(1)', '127.0.0.1:9000']) {
      expect(problems({ j: { type: 'http', url } })).toEqual([expect.stringMatching(/^judges\.j\.url: must be an http/)]);
    }
  });

  it('checks the prompt template: unknown placeholders are named, live and candidate are required', () => {
    const found = problems({
      s: { type: 'openai-chat', baseUrl: 'http://127.0.0.1/v1', model: 'm', prompt: 'Compare {{live}} with {{candidat}} on {{ route }}' },
    });
    expect(found).toEqual([
      'judges.s.prompt: unknown placeholder {{candidat}} (accepted: {{live}}, {{candidate}}, {{method}}, {{route}}, {{path}})',
      'judges.s.prompt: the template must contain {{candidate}} (in prompt or system)',
    ]);
  });

  it('checks cross-field rules: deadline >= timeout, backoff bounds, burst needs a rate, audit references', () => {
    const found = problems({
      a: {
        type: 'http',
        url: 'http://127.0.0.1/a',
        timeoutMs: 5000,
        deadlineMs: 1000,
        retries: { initialDelayMs: 2000, maxDelayMs: 1000 },
        burst: 5,
        audit: { judgeRate: 0.1 },
      },
      b: { type: 'http', url: 'http://127.0.0.1/b', audit: { judge: 'b', judgeRate: 0.1 } },
      c: { type: 'http', url: 'http://127.0.0.1/c', audit: { judge: 'nobody', judgeRate: 0.1 } },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'judges.a.deadlineMs: must be >= timeoutMs (5000), got 1000',
        'judges.a.retries.maxDelayMs: must be >= retries.initialDelayMs (2000), got 1000',
        'judges.a.burst: only with ratePerSecond',
        expect.stringMatching(/^judges\.a\.audit\.judge: required when audit\.judgeRate > 0/),
        'judges.b.audit.judge: a judge cannot audit itself; name another judge',
        'judges.c.audit.judge: no judge "nobody" (configured: a, b, c)',
      ]),
    );
    expect(found).toHaveLength(6);
  });

  it('takes no section as no judges, and refuses a section that is not a mapping', () => {
    expect(resolveJudgeConfig(undefined)).toEqual({ config: { judges: {} } });
    expect(problems(['http'])).toEqual([expect.stringMatching(/^judges: expected a mapping of judge id -> judge/)]);
  });

  it('throws JUDGE_INVALID_CONFIG with every problem from the throwing variant', () => {
    let caught: unknown;
    try {
      resolveJudgeConfigOrThrow({ j: { type: 'http' }, k: { type: 'http', url: 'x' } }, { env });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(JudgeError);
    expect(caught).toMatchObject({
      code: 'JUDGE_INVALID_CONFIG',
      problems: [expect.stringMatching(/^judges\.j\.url/), expect.stringMatching(/^judges\.k\.url/)],
    });
  });
});
