import { describe, expect, it } from 'vitest';
import type { RecordedCall } from '../types.js';
import { compileRule, isWrite, matchRule, matchTunnelRule, planCall, splitHostPort, type CallFacts, type SandboxRule } from './rules.js';

const facts = (over: Partial<CallFacts> = {}): CallFacts => ({
  method: 'POST',
  host: 'payments',
  port: 8080,
  pathname: '/v1/charges',
  dependency: null,
  ...over,
});
const compile = (...rules: SandboxRule[]) => rules.map((r, i) => compileRule(r, i));
const recorded: RecordedCall = {
  method: 'POST',
  target: 'payments:8080',
  path: '/v1/charges',
  responseStatus: 201,
  responseHeaders: {},
  responseBody: '{"id":"ch_1"}',
};

describe('splitHostPort', () => {
  it('splits host names, IPv4 and bracketed IPv6', () => {
    expect(splitHostPort('Payments:8080')).toEqual({ host: 'payments', port: 8080 });
    expect(splitHostPort('payments')).toEqual({ host: 'payments', port: null });
    expect(splitHostPort('[::1]:25')).toEqual({ host: '::1', port: 25 });
    expect(splitHostPort('::1')).toEqual({ host: '::1', port: null });
  });
});

describe('isWrite', () => {
  it('treats everything but GET, HEAD and OPTIONS as a write', () => {
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'PROPPATCH', 'purge']) expect(isWrite(m), m).toBe(true);
    for (const m of ['GET', 'head', 'OPTIONS']) expect(isWrite(m), m).toBe(false);
  });
});

describe('matchRule', () => {
  it('returns the first rule matching host, port, path and method', () => {
    const rules = compile(
      { name: 'other-host', host: 'ledger', action: 'block' },
      { name: 'other-port', host: 'payments:9090', action: 'block' },
      { name: 'get-only', host: 'payments', methods: ['get'], action: 'forward' },
      { name: 'refunds', path: '/v1/refunds/**', action: 'block' },
      { name: 'charges', host: 'pay*', path: '/v1/*', action: 'record' },
      { name: 'late', action: 'block' },
    );
    expect(matchRule(rules, facts())?.name).toBe('charges');
    expect(matchRule(rules, facts({ method: 'GET' }))?.name).toBe('get-only');
    expect(matchRule(rules, facts({ port: 9090 }))?.name).toBe('other-port');
    expect(matchRule(rules, facts({ pathname: '/v1/refunds/r/1' }))?.name).toBe('refunds');
    expect(matchRule(rules, facts({ pathname: '/v2/x/y' }))?.name).toBe('late');
  });

  it('matches a RegExp path against the path without query', () => {
    const rules = compile({ path: /^\/v1\/charges$/, action: 'block' });
    expect(matchRule(rules, facts())).not.toBeNull();
    expect(matchRule(rules, facts({ pathname: '/v1/charges/x' }))).toBeNull();
  });

  it('matches a dependency rule only for calls to that dependency', () => {
    const rules = compile({ dependency: 'payments', action: 'forward' });
    expect(matchRule(rules, facts())).toBeNull();
    expect(matchRule(rules, facts({ dependency: 'payments' }))).not.toBeNull();
  });

  it('returns null when nothing matches', () => {
    expect(matchRule(compile({ host: 'x', action: 'block' }), facts())).toBeNull();
  });

  it('decides CONNECT by host alone', () => {
    const rules = compile({ host: 'api.stripe.com', methods: ['GET'], path: '/v1/**', action: 'forward', tunnel: true });
    expect(matchTunnelRule(rules, facts({ method: 'CONNECT', host: 'api.stripe.com', port: 443, pathname: '' }))?.tunnel).toBe(true);
    expect(matchTunnelRule(rules, facts({ method: 'CONNECT', host: 'evil.com', port: 443, pathname: '' }))).toBeNull();
  });
});

describe('planCall', () => {
  const none = (): RecordedCall | null => null;
  const some = (): RecordedCall | null => recorded;
  const stubRule = (action: 'record' | 'block' | 'forward', extra: Partial<SandboxRule> = {}) =>
    compileRule({ action, stub: { status: 202, body: { stubbed: true } }, ...extra }, 0);

  it('answers a write with no rule from the recording, else 503; never forwards it', () => {
    expect(planCall({ write: true, rule: null, forwardReads: true, takeRecorded: some })).toEqual({ kind: 'recorded', call: recorded });
    const plan = planCall({ write: true, rule: null, forwardReads: true, takeRecorded: none });
    expect(plan.kind).toBe('blocked');
    expect(plan.kind === 'blocked' && plan.reason).toMatch(/never forwarded/);
  });

  it('answers a read with no rule from the recording, else forwards it, unless forwardReads is false', () => {
    expect(planCall({ write: false, rule: null, forwardReads: true, takeRecorded: some }).kind).toBe('recorded');
    expect(planCall({ write: false, rule: null, forwardReads: true, takeRecorded: none }).kind).toBe('forward');
    expect(planCall({ write: false, rule: null, forwardReads: false, takeRecorded: none }).kind).toBe('blocked');
  });

  it('record: recording, then stub, then 503', () => {
    expect(planCall({ write: true, rule: stubRule('record'), forwardReads: true, takeRecorded: some }).kind).toBe('recorded');
    const stub = planCall({ write: true, rule: stubRule('record'), forwardReads: true, takeRecorded: none });
    expect(stub.kind === 'stub' && stub.stub.status).toBe(202);
    expect(stub.kind === 'stub' && JSON.parse(stub.stub.body.toString())).toEqual({ stubbed: true });
    expect(stub.kind === 'stub' && stub.stub.headers['content-type']).toEqual(['application/json']);
    expect(planCall({ write: false, rule: compileRule({ action: 'record' }, 0), forwardReads: true, takeRecorded: none }).kind).toBe('blocked');
  });

  it('block: never consults the recording', () => {
    let consulted = false;
    const take = (): RecordedCall | null => {
      consulted = true;
      return recorded;
    };
    expect(planCall({ write: false, rule: stubRule('block'), forwardReads: true, takeRecorded: take }).kind).toBe('stub');
    const plan = planCall({ write: true, rule: compileRule({ name: 'no-ledger', action: 'block' }, 0), forwardReads: true, takeRecorded: take });
    expect(plan.kind === 'blocked' && plan.reason).toMatch(/no-ledger/);
    expect(consulted).toBe(false);
  });

  it('forward: forwards reads; writes only with allowWrites', () => {
    expect(planCall({ write: false, rule: stubRule('forward'), forwardReads: false, takeRecorded: some }).kind).toBe('forward');
    expect(planCall({ write: true, rule: stubRule('forward'), forwardReads: true, takeRecorded: none }).kind).toBe('stub');
    expect(planCall({ write: true, rule: stubRule('forward'), forwardReads: true, takeRecorded: some }).kind).toBe('recorded');
    expect(planCall({ write: true, rule: stubRule('forward', { allowWrites: true }), forwardReads: true, takeRecorded: some }).kind).toBe('forward');
  });
});
