// Header comparison: by lower-case name, values joined with ", " (the HTTP list form), so one
// header sent as two lines and as one comma list compare equal. Which headers take part is
// configuration (ignore list, optional allow list, per-route ignores); see docs/compare.md.

import type { HeaderDiffKind } from '../types.js';

export interface RawHeaderDiff {
  readonly name: string;
  readonly kind: HeaderDiffKind;
  readonly live: string | null;
  readonly candidate: string | null;
}

export interface HeaderSelection {
  readonly ignored: ReadonlySet<string>;
  readonly routeIgnored: ReadonlySet<string>;
  readonly only: ReadonlySet<string> | null;
}

function compared(name: string, sel: HeaderSelection): boolean {
  if (sel.ignored.has(name) || sel.routeIgnored.has(name)) return false;
  return sel.only === null || sel.only.has(name);
}

function joined(values: readonly string[] | undefined): string | null {
  if (values === undefined) return null;
  return values.length === 1 ? values[0]! : values.join(', ');
}

/** Differences between two header maps, in live's name order then the candidate's extras. */
export function diffHeaders(
  live: Readonly<Record<string, readonly string[]>>,
  candidate: Readonly<Record<string, readonly string[]>>,
  sel: HeaderSelection,
): RawHeaderDiff[] {
  const out: RawHeaderDiff[] = [];
  const lower = (h: Readonly<Record<string, readonly string[]>>): Map<string, string | null> => {
    const m = new Map<string, string | null>();
    for (const name of Object.keys(h)) {
      const n = name.toLowerCase();
      if (compared(n, sel)) m.set(n, joined(h[name]));
    }
    return m;
  };
  const l = lower(live);
  const c = lower(candidate);
  for (const [name, lv] of l) {
    if (!c.has(name)) out.push({ name, kind: 'missing_in_candidate', live: lv, candidate: null });
    else {
      const cv = c.get(name)!;
      if (cv !== lv) out.push({ name, kind: 'value_changed', live: lv, candidate: cv });
    }
  }
  for (const [name, cv] of c) if (!l.has(name)) out.push({ name, kind: 'extra_in_candidate', live: null, candidate: cv });
  return out;
}
