// The chat-completions judge against a real HTTP server that speaks the API: it checks the route,
// the model, the messages and the request fields, and answers canned model output from a table.
import { describe, expect, it } from 'vitest';
import { makeJudges, pair } from './support/judges.js';
import { chatCompletions, startJudgeServer, USAGE } from './support/servers.js';

const MODEL = 'qwen2.5-7b-instruct';
const TABLE = {
  '"Paris is the capital of France."': { verdict: 'equal', score: 0.95, reason: 'same fact' },
  '"Lyon is the capital of France."': { verdict: 'different', score: 0.05, reason: 'another city' },
  '"chatty"': 'Sure! Both answers mean the same, so I would say they are equal.',
  '"fenced"': '```json\n{"verdict": "equal"}\n```',
  '"unsure"': '{"verdict": "probably_equal", "score": 0.6}',
};

function chatJudge(baseUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { summary: { type: 'openai-chat', baseUrl: `${baseUrl}/v1`, model: MODEL, ...extra } };
}

describe('openai-chat judge', () => {
  it('asks the model with its messages and lands the parsed verdict, score, reason and token usage', async () => {
    await using server = await startJudgeServer(chatCompletions(MODEL, TABLE), '/v1/chat/completions');
    await using judges = makeJudges(chatJudge(server.origin, { apiKeyEnv: 'LOCAL_KEY' }), { LOCAL_KEY: 'sk-local-1' });
    const live = 'The capital of France is Paris.';
    const equal = await judges.get('summary').judge(pair(live, 'Paris is the capital of France.'));
    expect(equal).toMatchObject({
      judgeId: 'summary',
      verdict: 'equal',
      score: 0.95,
      reason: 'same fact',
      kind: null,
      cached: false,
      tokens: USAGE.total_tokens,
    });
    const different = await judges.get('summary').judge(pair(live, 'Lyon is the capital of France.'));
    expect(different).toMatchObject({ verdict: 'different', score: 0.05, reason: 'another city' });

    expect(server.received).toHaveLength(2);
    const request = server.received[0];
    expect(request?.headers.authorization).toBe('Bearer sk-local-1');
    expect(request?.body).toMatchObject({ model: MODEL, temperature: 0, max_tokens: 512, response_format: { type: 'json_object' } });
    expect(request?.body.messages[1].content).toContain(`LIVE answer:\n${JSON.stringify(live)}`);
    expect(judges.get('summary').usage()).toMatchObject({ calls: 2, tokens: 2 * USAGE.total_tokens });
    const calls = judges.events.filter((e) => e.type === 'call');
    expect(calls.map((e) => e.usage?.totalTokens)).toEqual([USAGE.total_tokens, USAGE.total_tokens]);
  });

  it.each([
    ['prose', 'chatty', /^bad_answer: the model's answer: not JSON .*Sure! Both answers/],
    ['a fenced block', 'fenced', /^bad_answer: the model's answer: not JSON .*```json/],
    ['a verdict outside the format', 'unsure', /^bad_answer: the model's answer: "verdict" must be "equal" or "different", got "probably_equal"/],
  ])('refuses %s from the model as error with the reason (tokens still counted)', async (_name, candidate, why) => {
    await using server = await startJudgeServer(chatCompletions(MODEL, TABLE), '/v1/chat/completions');
    await using judges = makeJudges(chatJudge(server.origin));
    const result = await judges.get('summary').judge(pair('live', candidate));
    expect(result).toMatchObject({ verdict: 'error', kind: 'bad_answer', tokens: USAGE.total_tokens });
    expect(result.reason).toMatch(why);
    expect(judges.get('summary').usage().tokens).toBe(USAGE.total_tokens);
  });

  it('sends the verdict JSON schema when responseFormat is json_schema', async () => {
    await using server = await startJudgeServer(chatCompletions(MODEL, TABLE, { responseFormat: 'json_schema' }), '/v1/chat/completions');
    await using judges = makeJudges(chatJudge(server.origin, { responseFormat: 'json_schema' }));
    expect(await judges.get('summary').judge(pair('live', 'Paris is the capital of France.'))).toMatchObject({ verdict: 'equal' });
    expect(server.received[0]?.body.response_format.json_schema.schema.required).toEqual(['verdict', 'score', 'reason']);
  });

  it("reports the server's own error (unknown model) as error http_status, not retried", async () => {
    await using server = await startJudgeServer(chatCompletions(MODEL, TABLE), '/v1/chat/completions');
    await using judges = makeJudges({ summary: { type: 'openai-chat', baseUrl: `${server.origin}/v1`, model: 'no-such-model' } });
    const result = await judges.get('summary').judge(pair('live', 'Paris is the capital of France.'));
    expect(result).toMatchObject({ verdict: 'error', kind: 'http_status' });
    expect(result.reason).toMatch(/^http_status: HTTP 404: .*model \\"no-such-model\\" not found/);
    expect(server.received).toHaveLength(1);
  });

  it("stops calling once the day's tokens are spent (not_run budget), counted on the server", async () => {
    await using server = await startJudgeServer(chatCompletions(MODEL, TABLE), '/v1/chat/completions');
    // 60 tokens per answer: the first two calls fit under 100, the second crosses it.
    await using judges = makeJudges(chatJudge(server.origin, { budget: { tokensPerDay: 100 } }));
    const results = [];
    for (const candidate of ['Paris is the capital of France.', 'Lyon is the capital of France.', 'chatty', 'fenced']) {
      results.push(await judges.get('summary').judge(pair('live', candidate)));
    }
    expect(results.map((r) => [r.verdict, r.reason])).toEqual([
      ['equal', 'same fact'],
      ['different', 'another city'],
      ['not_run', 'budget'],
      ['not_run', 'budget'],
    ]);
    expect(server.received).toHaveLength(2);
    expect(judges.get('summary').usage()).toMatchObject({ calls: 2, tokens: 120, tokensPerDay: 100 });
  });
});
