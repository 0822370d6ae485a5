// Summarises a V8 .cpuprofile (node --cpu-prof): where the main thread's time went, by function
// (self time) and by module group (inclusive time of the tap, contracts, kafkajs, avsc, node:http).
// Used by tap-overhead.ts --cpu-prof; also runnable on its own:
//   node --import tsx test/bench/cpu-profile.ts <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  gcMs: number;
  /** Self time per function, largest first. */
  self: { name: string; where: string; ms: number }[];
  /** Inclusive time per module group (a sample counts once per group on its stack). */
  groups: { group: string; ms: number }[];
  /** Inclusive time per function of the workspace packages and their libraries (not node internals). */
  inclusive: { name: string; where: string; ms: number }[];
  /** Every busy sample attributed to exactly one owner (see ownerOf). */
  owners: { owner: string; ms: number }[];
}

const OWNERS: [string, RegExp][] = [
  ['tap: capture (wrappers, body copy, record build)', /packages\/tap\/(src|dist)\/capture\//],
  ['tap: redaction', /packages\/tap\/(src|dist)\/redaction\//],
  ['tap: sampling', /packages\/tap\/(src|dist)\/sampling\//],
  ['tap: transport (queue, sender, sink)', /packages\/tap\/(src|dist)\/transport\//],
  ['tap: control (kill switch watcher)', /packages\/tap\/(src|dist)\/control\//],
  ['tap: other', /packages\/tap\/(src|dist)\//],
  ['contracts: Avro serde', /packages\/contracts\/(src|dist)\//],
  ['avsc (Avro encoding)', /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?avsc\//],
  ['kafkajs (produce request encoding, partitioner, network)', /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?kafkajs\//],
  ['schema-registry client', /@kafkajs\/confluent-schema-registry\//],
  ['tap-proxy (forwarder + node:http client/server under it)', /services\/tap-proxy\/(src|dist)\//],
  ['live service handler (+ node:http under it)', /test\/bench\//],
  ['other libraries', /node_modules\//],
];

/** The tap's pass-through wrappers: time in the original method they call belongs to the caller. */
const WRAPPERS = new Set(['res.end', 'res.write', 'res.writeHead', 'wrapped']);

/**
 * One owner per sample: the innermost workspace or library frame on the stack; node internals
 * below it (sockets, streams, zlib calls) count for that frame's owner, because it asked for them.
 * A tap wrapper that is only passing through to node's original method is skipped, so the
 * application's own response writes are not billed to the tap. No such frame: node internals
 * (HTTP parser, socket reads, timers) or V8 (GC, program).
 */
function ownerOf(stack: ProfileNode['callFrame'][]): string {
  const leaf = stack[0];
  if (leaf?.functionName === '(garbage collector)') return 'V8: garbage collector';
  if (leaf?.functionName === '(program)') return 'V8: (program)';
  for (let i = 0; i < stack.length; i++) {
    const frame = stack[i] as ProfileNode['callFrame'];
    const owner = OWNERS.find(([, pattern]) => pattern.test(frame.url));
    if (owner === undefined) continue;
    const inner = i > 0 ? stack[i - 1] : undefined;
    if (WRAPPERS.has(frame.functionName) && inner !== undefined && inner.url.startsWith('node:')) continue;
    return owner[0];
  }
  return 'node internals (HTTP parsing, sockets, timers) outside any package frame';
}

const GROUPS: [string, RegExp][] = [
  ['@shadow/tap capture (capture/)', /packages\/tap\/(src|dist)\/capture\//],
  ['@shadow/tap redaction', /packages\/tap\/(src|dist)\/redaction\//],
  ['@shadow/tap transport (offer, queue, sender)', /packages\/tap\/(src|dist)\/transport\//],
  ['@shadow/contracts (Avro encode)', /packages\/contracts\/(src|dist)\//],
  ['avsc', /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?avsc\//],
  ['kafkajs', /node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?kafkajs\//],
  ['tap-proxy forwarder', /services\/tap-proxy\/(src|dist)\//],
  ['node:http / net / streams', /^node:(_http|http|net|stream|internal\/streams|internal\/http)/],
  ['zlib (gzip, main-thread part)', /^node:zlib|internal\/zlib/],
];

function short(url: string): string {
  const i = url.search(/(packages|services|node_modules)\//);
  const path = i === -1 ? url : url.slice(i).replace(/node_modules\/\.pnpm\/[^/]+\/node_modules\//, 'node_modules/');
  return path.replace(/^file:\/\//, '');
}

export function summariseProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, { name: string; where: string; ms: number }>();
  const groups = new Map<string, number>();
  const inclusive = new Map<string, { name: string; where: string; ms: number }>();
  const owners = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1_000;
    const leaf = byId.get(profile.samples[i] as number);
    if (leaf === undefined) continue;
    totalMs += ms;
    const { functionName, url, lineNumber } = leaf.callFrame;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    if (functionName === '(garbage collector)') gcMs += ms;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const where = url === '' ? '' : `${short(url)}:${lineNumber + 1}`;
    const key = `${name}@${where}`;
    const entry = self.get(key) ?? { name, where, ms: 0 };
    entry.ms += ms;
    self.set(key, entry);
    const stack: ProfileNode['callFrame'][] = [];
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (frame !== undefined) stack.push(frame);
    }
    const owner = ownerOf(stack);
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
    const seen = new Set<string>();
    const frames = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      const frameUrl = frame?.url ?? '';
      for (const [group, pattern] of GROUPS) {
        if (!seen.has(group) && pattern.test(frameUrl)) seen.add(group);
      }
      if (frame !== undefined && /(packages|services|node_modules)\//.test(frameUrl)) {
        const fname = frame.functionName === '' ? '(anonymous)' : frame.functionName;
        const fwhere = `${short(frameUrl)}:${frame.lineNumber + 1}`;
        const fkey = `${fname}@${fwhere}`;
        if (!frames.has(fkey)) {
          frames.add(fkey);
          const e = inclusive.get(fkey) ?? { name: fname, where: fwhere, ms: 0 };
          e.ms += ms;
          inclusive.set(fkey, e);
        }
      }
    }
    for (const group of seen) groups.set(group, (groups.get(group) ?? 0) + ms);
  }
  return {
    totalMs,
    idleMs,
    gcMs,
    self: [...self.values()].sort((a, b) => b.ms - a.ms).slice(0, top),
    groups: [...groups].map(([group, ms]) => ({ group, ms })).sort((a, b) => b.ms - a.ms),
    inclusive: [...inclusive.values()].sort((a, b) => b.ms - a.ms).slice(0, top),
    owners: [...owners].map(([owner, ms]) => ({ owner, ms })).sort((a, b) => b.ms - a.ms),
  };
}

/** `requests`: how many requests the profiled process handled, for a per-request column. */
export function formatProfile(summary: ProfileSummary, requests?: number): string {
  const busy = summary.totalMs - summary.idleMs;
  const pct = (ms: number): string => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
  const perReq = (ms: number): string => (requests === undefined || requests === 0 ? '' : `  ${((1_000 * ms) / requests).toFixed(1).padStart(6)} us/req`);
  const lines = [
    `main thread: ${(summary.totalMs / 1_000).toFixed(1)} s profiled, ${(busy / 1_000).toFixed(1)} s busy` +
      `${requests === undefined ? '' : ` for ${requests} requests (${((1_000 * busy) / Math.max(1, requests)).toFixed(1)} us/req)`}, GC ${pct(summary.gcMs)} of busy`,
    'busy time by owner (each sample counted once; node internals go to the package frame that called them):',
    ...summary.owners.map((o) => `  ${pct(o.ms)}${perReq(o.ms)}  ${o.owner}`),
    'inclusive time by module (of busy time):',
    ...summary.groups.map((g) => `  ${pct(g.ms)}  ${g.group}`),
    'top functions by self time (of busy time):',
    ...summary.self.map((f) => `  ${pct(f.ms)}  ${f.name}  ${f.where}`),
    'top workspace/library functions by inclusive time (of busy time; callers include their callees):',
    ...summary.inclusive.map((f) => `  ${pct(f.ms)}  ${f.name}  ${f.where}`),
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: node --import tsx test/bench/cpu-profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(formatProfile(summariseProfile(file, Number(process.argv[3] ?? 25))));
}
