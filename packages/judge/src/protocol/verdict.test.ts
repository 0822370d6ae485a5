import { describe, expect, it } from 'vitest';
import { MAX_REASON_CHARS, parseVerdict, parseVerdictText } from './verdict.js';

describe('parseVerdict', () => {
  it('accepts exactly {verdict, score?, reason?}; null score or reason count as absent', () => {
    expect(parseVerdictText('{"verdict":"equal","score":0.92,"reason":"same facts"}')).toEqual({
      ok: true,
      value: { verdict: 'equal', score: 0.92, reason: 'same facts' },
    });
    expect(parseVerdictText(' \n{"verdict":"different"}\n')).toEqual({ ok: true, value: { verdict: 'different', score: null, reason: null } });
    expect(parseVerdict({ verdict: 'equal', score: null, reason: null })).toEqual({ ok: true, value: { verdict: 'equal', score: null, reason: null } });
  });

  it.each([
    ['prose', 'They are equal.', /^not JSON \(.*\): "They are equal\."/],
    ['a code fence around the JSON', '```json\n{"verdict":"equal"}\n```', /^not JSON/],
    ['two objects', '{"verdict":"equal"}{"verdict":"equal"}', /^not JSON/],
    ['an array', '[{"verdict":"equal"}]', /got an array/],
    ['a bare string', '"equal"', /got string "equal"/],
    ['null', 'null', /got null/],
    ['another verdict', '{"verdict":"maybe"}', /"verdict" must be "equal" or "different", got "maybe"/],
    ['an upper-case verdict', '{"verdict":"EQUAL"}', /got "EQUAL"/],
    ['no verdict', '{"score":1}', /got nothing/],
    ['a boolean verdict', '{"verdict":true}', /got true/],
    ['a string score', '{"verdict":"equal","score":"0.9"}', /"score" must be a finite number, got "0.9"/],
    ['an object reason', '{"verdict":"equal","reason":{"why":"x"}}', /"reason" must be a string, got an object/],
    ['an extra field', '{"verdict":"equal","explanation":"x","confidence":1}', /unexpected fields "explanation", "confidence"/],
  ])('refuses %s with the reason', (_name, text, why) => {
    const result = parseVerdictText(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.why).toMatch(why);
  });

  it('cuts a long reason (it lands in a column) and a long excerpt of garbage', () => {
    const result = parseVerdictText(JSON.stringify({ verdict: 'different', reason: 'x'.repeat(5000) }));
    expect(result.ok && result.value.reason?.length).toBe(MAX_REASON_CHARS);
    const garbage = parseVerdictText('y'.repeat(10_000));
    expect(!garbage.ok && garbage.why.length).toBeLessThan(300);
  });
});
