// `shadow show <exchange-id>`: one exchange as the joiner stored it, in the terminal: for each
// challenger, live and its answer side by side (status, latency, every difference with compare's
// example values, noise marked, differing headers, side effects, the bodies aligned line by line
// with the differing JSON paths marked), then the challengers for which it did not pair. The read
// is @shadow/analysis' pairDetail, the dashboard's one-exchange query: no SQL of its own.
//
// Colours only on a terminal and never with NO_COLOR set; without colours every marked line still
// carries its marker (`!` a real difference, `~` noise), so a pipe or a CI log loses nothing.
import type { PairDetail, PairSide } from '@shadow/analysis';
import { createClickHouseExploreStore, EXCHANGE_ID_PATTERN } from '@shadow/analysis';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { diffArrays } from 'diff';
import picocolors from 'picocolors';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import type { ConnectionFlags } from './clickhouse-flags.js';
import {
  CONNECTION_HELP,
  debugMode,
  measureFailure,
  notAVerdictOnCrash,
  openClickHouse,
  resolveConnection,
  withConnectionOptions,
} from './clickhouse-flags.js';
import { onTerminal } from './runtime.js';

export const SHOW_FORMATS = ['text', 'json'] as const;
type ShowFormat = (typeof SHOW_FORMATS)[number];

interface ShowFlags extends ConnectionFlags {
  format: ShowFormat;
  challenger?: string;
  runId?: string;
}

type Mark = 'real' | 'noise';
type Colors = ReturnType<typeof picocolors.createColors>;

/** The exchange id argument: the tap's format (a UUIDv7 or a request-id value: 1-128 visible ASCII characters), nothing else. */
export function exchangeIdArg(value: string): string {
  if (!EXCHANGE_ID_PATTERN.test(value)) {
    throw new InvalidArgumentError(
      `an exchange id is 1-128 visible ASCII characters (a UUIDv7 or a request-id header value), got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}.`,
    );
  }
  return value;
}

/** Colours on a terminal only, and never with NO_COLOR (https://no-color.org: any non-empty value). */
export function colorsFor(io: CliIo): Colors {
  return picocolors.createColors(onTerminal(io) && (io.env['NO_COLOR'] ?? '') === '');
}

// ---- a JSON body as lines tagged with their collapsed path (compare's spelling, as the dashboard) ----

interface BodyLine {
  /** Collapsed JSON path (`$.items[*].price`); what the pair's differences name. */
  path: string;
  /** Alignment key: the path and which line of it (open, close, value). */
  key: string;
  text: string;
  mark: Mark | undefined;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[*]`;
  return IDENT.test(key) ? `${path}.${key}` : `${path}['${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

function walk(
  value: unknown,
  path: string,
  depth: number,
  label: string,
  comma: string,
  marks: ReadonlyMap<string, Mark>,
  inherited: Mark | undefined,
  out: BodyLine[],
): void {
  const mark = marks.get(path) ?? inherited;
  const indent = '  '.repeat(depth);
  if (value !== null && typeof value === 'object') {
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value as Record<string, unknown>);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) {
      out.push({ path, key: `${path} value`, text: `${indent}${label}${open}${close}${comma}`, mark });
      return;
    }
    out.push({ path, key: `${path} open`, text: `${indent}${label}${open}`, mark });
    entries.forEach(([k, v], i) =>
      walk(v, childPath(path, k), depth + 1, typeof k === 'number' ? '' : `${JSON.stringify(k)}: `, i < entries.length - 1 ? ',' : '', marks, mark, out),
    );
    out.push({ path, key: `${path} close`, text: `${indent}${close}${comma}`, mark });
    return;
  }
  out.push({ path, key: `${path} value`, text: `${indent}${label}${JSON.stringify(value)}${comma}`, mark });
}

/** A body's lines: pretty JSON tagged with paths, or its text as is (then nothing is marked). */
function bodyLines(text: string | null, marks: ReadonlyMap<string, Mark>): BodyLine[] {
  if (text === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.split('\n').map((line) => ({ path: '', key: `text ${line}`, text: line, mark: undefined }));
  }
  const out: BodyLine[] = [];
  walk(parsed, '$', 0, '', '', marks, undefined, out);
  return out;
}

/** Both bodies' lines aligned: same path on one row; a path only one side has, alone on its row. */
function alignBodies(left: BodyLine[], right: BodyLine[]): [BodyLine | undefined, BodyLine | undefined][] {
  const rows: [BodyLine | undefined, BodyLine | undefined][] = [];
  let i = 0;
  let j = 0;
  for (const part of diffArrays(left, right, { comparator: (a, b) => a.key === b.key })) {
    const n = part.count ?? part.value.length;
    for (let k = 0; k < n; k++) {
      if (part.added === true) rows.push([undefined, right[j++]]);
      else if (part.removed === true) rows.push([left[i++], undefined]);
      else rows.push([left[i++], right[j++]]);
    }
  }
  return rows;
}

// ---- text rendering ----

const clip = (text: string, width: number): string => (text.length <= width ? text.padEnd(width) : `${text.slice(0, Math.max(0, width - 1))}…`);
const ms = (v: number): string => `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v)} ms`;
const iso = (epochMs: number): string => (Number.isFinite(epochMs) && epochMs > 0 ? new Date(epochMs).toISOString() : '-');
const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1_048_576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1_048_576).toFixed(1)} MiB`);

function verdictOf(side: PairSide): string {
  if (side.agree) return 'agrees';
  if (side.realAgree) return 'agrees once noise is discounted';
  const what = (['status', 'headers', 'body', 'sideEffects'] as const).filter((k) => !side.match[k]).map((k) => (k === 'sideEffects' ? 'side effects' : k));
  return `differs (${what.join(', ') || side.verdict})`;
}

function renderSide(side: PairSide, c: Colors, width: number): string[] {
  const out: string[] = [];
  const name = side.challengerName === null || side.challengerName === side.challengerId ? '' : `, ${side.challengerName}`;
  const verdict = verdictOf(side);
  const tone = side.agree ? c.green : side.realAgree ? c.yellow : c.red;
  out.push(
    c.bold(`${side.challengerId} (${side.role}${name})`) +
      `${side.runId === '' ? ', live shadowing' : `, run ${side.runId}`}${side.attempt > 1 ? `, attempt ${side.attempt}` : ''}: ${tone(verdict)}`,
  );
  const col = Math.max(16, Math.floor((width - 20) / 2));
  const row = (label: string, live: string, cand: string, differs = false): string => {
    const text = `  ${label.padEnd(16)}  ${clip(live, col)}  ${cand}`;
    return differs ? c.red(text) : text;
  };
  out.push(c.dim(row('', 'live', side.challengerId)));
  out.push(
    row(
      'status',
      String(side.live.status),
      `${side.candidate.status}${side.candidate.errorKind === null ? '' : ` (${side.candidate.errorKind})`}`,
      !side.match.status,
    ),
  );
  out.push(row('latency', ms(side.live.latencyMs), ms(side.candidate.latencyMs)));
  out.push(
    row(
      'body',
      `${bytes(side.live.body.size)} sha256 ${side.live.body.hash}`,
      `${bytes(side.candidate.body.size)} sha256 ${side.candidate.body.hash}`,
      !side.match.body,
    ),
  );
  // The sandbox answered one of its calls as live's never was: its answer differences may be the sandbox's.
  if (side.sandboxInduced) {
    const causes = side.sandboxCauses.map(
      (x) =>
        `${x.kind === 'read_after_live_write' ? "read forwarded after live's write" : 'answered by the sandbox'} ${x.key} (${x.disposition}${x.status > 0 ? ` ${x.status}` : ''})`,
    );
    out.push(
      c.yellow(`  sandbox-induced: its status, header and body differences are not counted (docs/compare.md); ${causes.join('; ') || 'causes not stored'}`),
    );
  }

  const headers = side.differences.filter((d) => d.path.startsWith('header:'));
  const effects = side.differences.filter((d) => d.path.startsWith('effect:'));
  const paths = side.differences.filter((d) => !d.path.startsWith('header:') && !d.path.startsWith('effect:'));
  const mark = (noise: boolean): string => (noise ? c.dim('~') : c.red('!'));
  const value = (v: string): string => (v === '' ? '(absent)' : v);
  const difference = (d: (typeof paths)[number]): string => {
    const text = `  ${d.noise ? '~' : '!'} ${d.path}  ${d.kind === '' ? '' : `${d.kind}: `}${value(d.liveValue)} -> ${value(d.candidateValue)}${d.noise ? '  (noise: live and the secondary differ here too)' : ''}`;
    return d.noise ? c.dim(text) : `  ${mark(false)}${text.slice(3)}`;
  };
  const noise = paths.filter((d) => d.noise).length;
  out.push(`  differing paths: ${paths.length === 0 ? 'none' : `${paths.length}${noise === 0 ? '' : ` (${noise} noise)`}`}`);
  for (const d of paths) out.push(difference(d));
  out.push(`  differing headers: ${headers.length === 0 ? (side.match.headers ? 'none' : 'yes (names not stored)') : headers.length}`);
  for (const d of headers) out.push(difference({ ...d, path: d.path.slice('header:'.length) }));
  const fx = side.sideEffects;
  out.push(`  side effects: live ${fx.live}, ${side.challengerId} ${fx.candidate}${fx.differences.length === 0 && side.match.sideEffects ? ', same' : ''}`);
  for (const e of fx.differences) {
    const text = `  ${e.noise ? '~' : '!'} ${e.direction} ${e.method} ${e.target}${e.path}${e.dependencyKind === undefined ? '' : ` (${e.dependencyKind})`}${e.noise ? '  (noise)' : ''}`;
    out.push(e.noise ? c.dim(text) : `  ${mark(false)}${text.slice(3)}`);
  }
  for (const d of effects.filter((d) => !fx.differences.some((e) => d.path.includes(e.path)))) out.push(difference(d));

  if (!side.bodiesKept) {
    out.push(c.dim('  bodies: not kept for this pair (kept for every disagreement and a sample of agreements: docs/tables.md)'));
    return out;
  }
  const marks = new Map<string, Mark>(paths.map((d) => [d.path, d.noise ? 'noise' : 'real']));
  const rows = alignBodies(bodyLines(side.live.body.text, marks), bodyLines(side.candidate.body.text, marks));
  const half = Math.max(20, Math.floor((width - 7) / 2));
  out.push(`  bodies${side.live.body.cut || side.candidate.body.cut ? c.dim(" (cut at the joiner's JOINER_MAX_BODY_BYTES)") : ''}:`);
  out.push(c.dim(`    ${clip('live', half)} │ ${side.challengerId}`));
  for (const [l, r] of rows) {
    const m: Mark | undefined = l === undefined || r === undefined ? ((l ?? r)?.mark ?? 'real') : (l.mark ?? r.mark);
    const differs = m !== undefined && (l === undefined || r === undefined || l.text !== r.text || m === 'noise');
    const marker = !differs ? ' ' : m === 'noise' ? '~' : '!';
    const left = clip(l?.text ?? '', half);
    const right = r?.text ?? '';
    if (!differs) out.push(`  ${marker} ${left} │ ${right}`);
    else if (m === 'noise') out.push(c.dim(`  ${marker} ${left} │ ${right}`));
    else out.push(`  ${c.red(marker)} ${l === undefined ? left : c.red(left)} │ ${r === undefined ? right : c.green(right)}`);
  }
  return out;
}

/** The exchange as text: its request, each pair side by side, what did not pair. */
export function renderShowText(detail: PairDetail, c: Colors, width: number): string {
  const out: string[] = [];
  const e = detail.exchange;
  out.push(
    c.bold(`exchange ${detail.exchangeId}`) +
      (e === null
        ? ''
        : `: ${e.service}${e.environment === '' ? '' : ` (${e.environment})`} ${e.method} ${e.path}, route ${e.route}, captured ${iso(e.captureMs)}`),
  );
  for (const side of detail.pairs) {
    out.push('');
    out.push(...renderSide(side, c, width));
  }
  if (detail.unmatched.length > 0) {
    out.push('');
    out.push(c.bold('did not pair'));
    for (const u of detail.unmatched) {
      out.push(
        `  ${u.challengerId} (${u.role})${u.runId === '' ? '' : `, run ${u.runId}`}: ${u.reason}${u.expiredBy === '' ? '' : `, expired by ${u.expiredBy}`}; live ${u.hasLive ? 'seen' : 'missing'}, result ${u.hasResult ? 'seen' : 'missing'}, at ${iso(u.eventMs)}`,
      );
    }
  }
  return out.join('\n');
}

async function run(id: string, flags: ShowFlags, io: CliIo): Promise<number> {
  const debug = debugMode(flags, io);
  const connection = resolveConnection(flags, io);
  const ch = await openClickHouse(connection, io, { debug });
  let detail: PairDetail | null;
  try {
    detail = await createClickHouseExploreStore(ch)
      .pairDetail(id)
      .catch((e: unknown) => {
        throw measureFailure(e, connection, debug);
      });
  } finally {
    await ch.close();
  }
  if (detail !== null && (flags.challenger !== undefined || flags.runId !== undefined)) {
    const keep = (s: { challengerId: string; runId: string }): boolean =>
      (flags.challenger === undefined || s.challengerId === flags.challenger) && (flags.runId === undefined || s.runId === flags.runId);
    detail = { ...detail, pairs: detail.pairs.filter(keep), unmatched: detail.unmatched.filter(keep) };
    if (detail.pairs.length === 0 && detail.unmatched.length === 0) detail = null;
  }
  if (detail === null) {
    const narrowed = [
      flags.challenger === undefined ? '' : ` for challenger ${flags.challenger}`,
      flags.runId === undefined ? '' : ` in run ${flags.runId}`,
    ].join('');
    throw new CliError(
      `exchange ${id} not found${narrowed} in database "${connection.options.database ?? 'default'}", ${connection.description}: no pair and no unmatched row (check the id, --database, and that the joiner has landed it)`,
      EXIT.notMeasured,
    );
  }
  if (flags.format === 'json') io.out(JSON.stringify(detail, null, 2));
  else io.out(renderShowText(detail, colorsFor(io), onTerminal(io) ? Math.max(80, process.stdout.columns ?? 160) : 160));
  return EXIT.ok;
}

/** Adds `show` to the program. */
export function registerShowCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('show')
    .description(
      'one exchange, live and each challenger side by side: status, latency, differing paths (noise marked), headers, side effects, bodies; and where it did not pair',
    )
    .argument('<exchange-id>', 'the exchange id (a UUIDv7, or the request-id header value the tap used)', exchangeIdArg)
    .option('--challenger <id>', 'only this challenger')
    .option('--run-id <id>', 'only this replay run')
    .addOption(new Option('--format <format>', 'output format').choices([...SHOW_FORMATS]).default('text'));
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  shadow show 0192f0c4-8a1e-7cc3-9a51-3c1f2b7d9e01
  shadow show demo-12-p --database demo --format json

Marks: "!" a real difference, "~" noise (live and the secondary differ there too). Colours on a
terminal only; NO_COLOR=1 turns them off.
${CONNECTION_HELP}

Exit codes: 0 shown; 2 the exchange is not stored (no pair, no unmatched row), a bad id, nothing
measured (ClickHouse unreachable, unknown database or table).`,
  );
  command.action(async (id: string, flags: ShowFlags) => setExitCode(await notAVerdictOnCrash('show', debugMode(flags, io), () => run(id, flags, io))));
}
