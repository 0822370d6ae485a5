// Side effects: which writes each side made. Reads are left out (a challenger reading differently
// is visible in its answer; a challenger WRITING differently is what can hurt). Calls are keyed by
// dependency kind, method (or operation), target and path template (ids collapsed like routes, so
// `POST /v1/charges/ch_1` and `.../ch_2` are the same write), and matched as multisets in order of
// occurrence: the n-th live call with a key pairs with the candidate's n-th call with that key.
// Payloads of paired calls are JSON-diffed when both are JSON, else compared as text/bytes.

import { prepareBody, type BodyOptions } from '../body/body.js';
import { templateOf } from '../route/route-templater.js';
import type { SideEffectInput } from '../types.js';

export interface SideEffectRules {
  readonly readMethods: ReadonlySet<string>;
  readonly readOperations: RegExp;
}

/** A write as compared: its key and payload. */
export interface KeyedWrite {
  readonly key: string;
  readonly effect: SideEffectInput;
}

export function sideEffectKey(e: SideEffectInput): string {
  const verb = e.method !== '' ? e.method.toUpperCase() : e.operation;
  const path = e.path !== '' ? templateOf(e.path) : '';
  return `${e.dependencyKind} ${verb} ${e.target}${path}`;
}

export function isRead(e: SideEffectInput, rules: SideEffectRules): boolean {
  if (e.method !== '') return rules.readMethods.has(e.method.toUpperCase());
  return rules.readOperations.test(e.operation);
}

/** Writes grouped by key, each group in order of occurrence. */
export function writesByKey(effects: readonly SideEffectInput[], rules: SideEffectRules): Map<string, SideEffectInput[]> {
  const out = new Map<string, SideEffectInput[]>();
  for (const e of effects) {
    if (isRead(e, rules)) continue;
    const key = sideEffectKey(e);
    const group = out.get(key);
    if (group === undefined) out.set(key, [e]);
    else group.push(e);
  }
  return out;
}

/** Payload of a write prepared for comparison (JSON sniffed: payloads carry no content type here). */
export function preparePayload(e: SideEffectInput, options: BodyOptions) {
  return prepareBody(e.requestBody, null, false, options);
}

export function countWrites(groups: Map<string, SideEffectInput[]>): number {
  let n = 0;
  for (const g of groups.values()) n += g.length;
  return n;
}
