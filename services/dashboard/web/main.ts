// The dashboard page: a hash router over three views (overview per challenger, a list of pairs,
// one pair side by side), a refresh loop that runs while pairs keep landing and slows down when
// they stop, and a header that always says when the numbers were read. Every number comes from
// the server's JSON (the report's and the gate's own functions); the page only lays it out.
import type {
  ChallengerView,
  CriteriaInfo,
  GateVerdict,
  OverviewResponse,
  PairDetail,
  PairFilter,
  PairList,
  ReportScope,
  ResourcePanel,
  WindowParams,
} from './api.js';
import { ApiError, fetchConfig, fetchOverview, fetchPair, fetchPairs } from './api.js';
import { Chart, ResourceChart, sideColor } from './charts.js';
import type { Child } from './dom.js';
import { append, clear, h } from './dom.js';
import { bytes, clock, count, duration, ms, pct, stamp } from './format.js';
import type { Mark } from './json-view.js';
import { renderBody } from './json-view.js';

type PairSide = PairDetail['pairs'][number];

const WINDOWS = ['15m', '1h', '6h', '24h', '7d'] as const;
const view = document.getElementById('view') as HTMLElement;
const statusDot = document.getElementById('status-dot') as HTMLElement;
const statusText = document.getElementById('status-text') as HTMLElement;
const pauseButton = document.getElementById('pause') as HTMLButtonElement;
const windowNav = document.getElementById('window') as HTMLElement;
const footer = document.getElementById('footer') as HTMLElement;

const state = {
  refreshMs: 5000,
  defaultSince: '1h',
  paused: false,
  timer: undefined as number | undefined,
  /** Pairs and latest landing seen at the last refresh: unchanged for 3 refreshes = idle. */
  signature: '',
  unchanged: 0,
  charts: new Map<string, Chart[]>(),
  /** Resource charts by service and the sides they draw. */
  resourceCharts: new Map<string, ResourceChart[]>(),
  sort: new Map<string, { column: number; descending: boolean }>(),
  lastUpdated: 0,
  generation: 0,
};

// ---------------------------------------------------------------- routing

interface Route {
  name: 'overview' | 'pairs' | 'pair';
  arg: string;
  params: URLSearchParams;
}

function currentRoute(): Route {
  const hash = location.hash.replace(/^#/, '');
  const [path = '', query = ''] = hash.split('?', 2);
  const params = new URLSearchParams(query);
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  if (parts[0] === 'pairs' && parts[1] !== undefined) return { name: 'pairs', arg: parts[1], params };
  if (parts[0] === 'pair' && parts[1] !== undefined) return { name: 'pair', arg: parts[1], params };
  return { name: 'overview', arg: parts[0] === 'c' ? (parts[1] ?? '') : '', params };
}

function windowParams(params: URLSearchParams): WindowParams {
  return { since: params.get('since') ?? state.defaultSince, until: params.get('until') ?? undefined, run: params.get('run') ?? undefined };
}

/** A hash link keeping the window of the current page. */
function link(path: string, extra: Record<string, string | number | undefined> = {}): string {
  const current = currentRoute().params;
  const q = new URLSearchParams();
  for (const k of ['since', 'until', 'run']) {
    const v = current.get(k);
    if (v !== null) q.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `#${path}${s === '' ? '' : `?${s}`}`;
}

const enc = encodeURIComponent;

// ---------------------------------------------------------------- header

function renderWindowNav(): void {
  clear(windowNav);
  const route = currentRoute();
  const since = route.params.get('since') ?? state.defaultSince;
  const until = route.params.get('until');
  const iso = (t: string) => /^\d{4}-/.test(t);
  const show = (t: string) => (iso(t) ? stamp(Date.parse(t)) : t);
  const choices = [...new Set([...WINDOWS, ...(iso(since) ? [] : [since])])];
  append(windowNav, [
    h('span', { class: 'muted' }, 'window '),
    iso(since) || until !== null ? h('span', { class: 'win active' }, `${show(since)} – ${until === null ? 'now' : show(until)}`) : null,
    ...choices.map((w) =>
      h(
        'button',
        {
          class: w === since && until === null ? 'win active' : 'win',
          'data-window': w,
          onclick: () => {
            const p = new URLSearchParams(route.params);
            p.set('since', w);
            p.delete('until');
            location.hash = `#${location.hash.replace(/^#/, '').split('?')[0] || '/'}?${p.toString()}`;
          },
        },
        w,
      ),
    ),
    route.params.get('run') === null ? null : h('span', { class: 'chip' }, `run ${route.params.get('run')}`),
  ]);
}

function setStatus(kind: 'live' | 'idle' | 'error' | 'paused' | 'loading', text: string): void {
  statusDot.className = `dot ${kind}`;
  statusText.textContent = text;
}

function describeCriteria(c: CriteriaInfo | null): string {
  if (c === null) return 'no criteria file (--criteria)';
  if ('error' in c) return `criteria ${c.source}: INVALID`;
  return `criteria ${c.name ?? c.source} (${c.source})`;
}

// ---------------------------------------------------------------- shared pieces

const roleLabel = (role: string): string => (role === 'secondary' ? 'secondary' : role === 'candidate' ? 'candidate' : role);
const nameOf = (c: { challengerId: string; challengerName: string | null }): string =>
  c.challengerName !== null && c.challengerName !== c.challengerId ? `${c.challengerName} (${c.challengerId})` : c.challengerId;

function roleChip(role: string): HTMLElement {
  return h('span', { class: `role role-${role === 'secondary' ? 'secondary' : 'candidate'}` }, roleLabel(role));
}

const VERDICT_TEXT: Record<string, string> = { pass: 'PASS', fail: 'FAIL', insufficient: 'NOT ENOUGH DATA' };

function verdictBadge(verdict: GateVerdict | null, criteria: CriteriaInfo | null, big = false): HTMLElement {
  const cls = big ? 'verdict big' : 'verdict';
  if (verdict !== null)
    return h('span', { class: `${cls} v-${verdict.verdict}`, 'data-verdict': verdict.verdict }, VERDICT_TEXT[verdict.verdict] ?? verdict.verdict);
  if (criteria !== null && 'error' in criteria) return h('span', { class: `${cls} v-error` }, 'CRITERIA INVALID');
  return h('span', { class: `${cls} v-none` }, 'NO VERDICT');
}

function interval(p: { estimate: number | null; lower: number; upper: number }): string {
  return p.estimate === null ? '–' : `${pct(p.lower)} – ${pct(p.upper)}`;
}

function latencyOf(scope: ReportScope, label: string): { live: number | null; secondary: number | null; candidate: number | null } {
  const row = scope.latency.find((r) => r.label === label);
  return { live: row?.liveMs ?? null, secondary: row?.secondaryMs ?? null, candidate: row?.candidateMs ?? null };
}

/** The latency a challenger is compared with: the secondary's (same replay) when there is one, as `shadow report`. */
function baselineNote(c: ChallengerView, l: { live: number | null; secondary: number | null }): string {
  return c.report?.secondary === null || c.report?.secondary === undefined ? `live ${ms(l.live)}` : `secondary ${ms(l.secondary)} · live ${ms(l.live)}`;
}

function errorBox(message: string): HTMLElement {
  return h('div', { class: 'error-box', role: 'alert' }, message);
}

// ---------------------------------------------------------------- overview

function challengerCard(c: ChallengerView, selected: boolean, criteria: CriteriaInfo | null): HTMLElement {
  const overall = c.report?.overall;
  return h(
    'a',
    { class: selected ? 'card selected' : 'card', href: link(`/c/${enc(c.challengerId)}`), 'data-challenger': c.challengerId },
    h('div', { class: 'card-top' }, roleChip(c.role), verdictBadge(c.verdict, criteria)),
    h('div', { class: 'card-name' }, nameOf(c)),
    h(
      'div',
      { class: 'card-numbers' },
      h('span', { class: 'big-number' }, overall === undefined ? '–' : pct(overall.agreement.estimate)),
      h('span', { class: 'muted' }, ` agreement · ${count(c.pairs)} pairs`),
    ),
  );
}

function verdictPanel(c: ChallengerView, criteria: CriteriaInfo | null): HTMLElement {
  const v = c.verdict;
  const who = `${nameOf(c)} (${roleLabel(c.role)})`;
  const body: Child[] = [];
  if (v === null) {
    if (criteria !== null && 'error' in criteria) body.push(h('p', {}, `The criteria file ${criteria.source} cannot be used: ${criteria.error}`));
    else body.push(h('p', {}, 'No gate verdict: start the dashboard with --criteria <file> (docs/gate.md) to judge this challenger as `shadow gate` does.'));
  } else {
    const head =
      v.verdict === 'pass'
        ? `${who} meets every criterion of ${v.criteria.name ?? v.criteria.source ?? 'the criteria'}`
        : v.verdict === 'fail'
          ? `${who} fails ${v.criteria.name ?? v.criteria.source ?? 'the criteria'}: do not promote`
          : `${who}: not enough data to judge yet`;
    body.push(h('p', { class: 'verdict-head' }, head));
    if (v.reasons.length > 0) body.push(h('ul', { class: 'reasons' }, ...v.reasons.map((r) => h('li', {}, r))));
    body.push(
      h(
        'p',
        { class: 'muted' },
        `${v.summary.pass} passed · ${v.summary.fail} failed · ${v.summary.insufficient} not enough data${v.summary.nonBlocking > 0 ? ` · ${v.summary.nonBlocking} non-blocking` : ''} · judged at ${Math.round(v.criteria.confidence * 100)}% confidence`,
      ),
    );
    body.push(
      h(
        'details',
        {},
        h('summary', {}, `every criterion (${v.results.length})`),
        h(
          'table',
          { class: 'criteria' },
          h('thead', {}, h('tr', {}, ...['outcome', 'criterion', 'scope', 'reason'].map((t) => h('th', {}, t)))),
          h(
            'tbody',
            {},
            ...v.results.map((r) =>
              h(
                'tr',
                { class: `o-${r.outcome}${r.blocking ? '' : ' non-blocking'}` },
                h('td', {}, h('span', { class: `verdict small v-${r.outcome}` }, VERDICT_TEXT[r.outcome] ?? r.outcome)),
                h('td', {}, r.criterion),
                h('td', {}, r.scope),
                h('td', {}, r.reason),
              ),
            ),
          ),
        ),
      ),
    );
  }
  // What the report and the gate warn about: live as the latency baseline, sandbox-induced pairs set aside.
  for (const w of new Set([...(c.report?.warnings ?? []), ...(v?.warnings ?? [])])) body.push(h('p', { class: 'note', 'data-warning': '' }, `warning: ${w}`));
  if (c.role === 'secondary') {
    body.push(
      h(
        'p',
        { class: 'note' },
        "Secondary: a second copy of live's own code. Where it differs from live, the difference is noise; the candidate's differences at those paths are greyed out as noise.",
      ),
    );
  }
  return h(
    'section',
    { class: `panel verdict-panel vp-${v?.verdict ?? 'none'}`, 'data-panel': 'verdict' },
    h('div', { class: 'verdict-row' }, verdictBadge(v, criteria, true), h('div', { class: 'verdict-body' }, ...body)),
  );
}

function kpis(c: ChallengerView): HTMLElement {
  const o = c.report?.overall;
  if (o === undefined) return h('div', { class: 'kpis' });
  const p50 = latencyOf(o, 'p50');
  const p99 = latencyOf(o, 'p99');
  const unmatched = (c.report?.unmatched ?? []).reduce((s, u) => s + u.exchanges, 0);
  const who = roleLabel(c.role);
  const tile = (label: string, value: Child, sub: Child) =>
    h('div', { class: 'kpi' }, h('div', { class: 'kpi-label' }, label), h('div', { class: 'kpi-value' }, value), h('div', { class: 'kpi-sub' }, sub));
  return h(
    'div',
    { class: 'kpis', 'data-panel': 'kpis' },
    tile(
      'pairs',
      count(o.pairs),
      c.report?.observed === null || c.report?.observed === undefined ? '' : `${clock(c.report.observed.firstMs)} – ${clock(c.report.observed.lastMs)}`,
    ),
    tile('agreement', pct(o.agreement.estimate), `95% CI ${interval(o.agreement)}${o.judge === null || o.judge === undefined ? '' : ' · before the judge'}`),
    ...(o.judge === null || o.judge === undefined
      ? []
      : [tile('after the judge', pct(o.judge.agreementAfter.estimate), `95% CI ${interval(o.judge.agreementAfter)} · ${count(o.judge.needed)} judged`)]),
    tile('errors', pct(o.errors.candidate.estimate), `${who} · live ${pct(o.errors.live.estimate)}`),
    tile('p50 latency', ms(p50.candidate), `${who} · ${baselineNote(c, p50)}`),
    tile('p99 latency', ms(p99.candidate), `${who} · ${baselineNote(c, p99)}`),
    tile(
      'status differs',
      count(o.status.mismatchedPairs),
      o.status.sandboxInducedMismatches > 0 ? `pairs · ${count(o.status.sandboxInducedMismatches)} sandbox-induced` : 'pairs',
    ),
    tile('unmatched', count(unmatched), 'exchanges without a pair'),
  );
}

function chartsFor(c: ChallengerView): HTMLElement {
  let charts = state.charts.get(c.challengerId);
  if (charts === undefined) {
    const withSecondary = c.report?.secondary !== null && c.report?.secondary !== undefined;
    charts = [new Chart('agreement', roleLabel(c.role)), new Chart('latency', roleLabel(c.role), withSecondary), new Chart('errors', roleLabel(c.role))];
    state.charts.set(c.challengerId, charts);
  }
  const grid = h('div', { class: 'charts', 'data-panel': 'charts' }, ...charts.map((ch) => ch.el));
  // Drawn after the grid is in the page, so each chart knows its width.
  queueMicrotask(() => charts.forEach((ch) => ch.update(c.series)));
  return grid;
}

interface Column {
  title: string;
  value: (s: ReportScope) => number | string | null;
  show: (s: ReportScope) => Child;
  numeric: boolean;
}

function routeTable(c: ChallengerView): HTMLElement {
  const report = c.report;
  if (report === null) return h('p', {}, 'no pairs');
  const who = roleLabel(c.role);
  const gate = new Map<string, string>();
  for (const r of c.verdict?.results ?? []) {
    const worst = gate.get(r.scope);
    if (r.outcome === 'fail' || worst === undefined || (worst === 'pass' && r.outcome === 'insufficient')) gate.set(r.scope, r.outcome);
  }
  const columns: Column[] = [
    {
      title: 'route',
      value: (s) => s.scope,
      show: (s) => h('a', { href: link(`/pairs/${enc(c.challengerId)}`, { method: s.method ?? '', route: s.route ?? '' }) }, s.scope),
      numeric: false,
    },
    { title: 'pairs', value: (s) => s.pairs, show: (s) => count(s.pairs), numeric: true },
    { title: 'agreement', value: (s) => s.agreement.estimate, show: (s) => pct(s.agreement.estimate), numeric: true },
    { title: '95% CI', value: (s) => s.agreement.lower, show: (s) => interval(s.agreement), numeric: true },
    // Agreement after the routes' judges (docs/judge.md), when a route has one.
    ...(report.routes.some((r) => r.judge !== null && r.judge !== undefined)
      ? [
          {
            title: 'after judge',
            value: (s: ReportScope) => s.judge?.agreementAfter.estimate ?? null,
            show: (s: ReportScope) => (s.judge === null || s.judge === undefined ? h('span', { class: 'muted' }, '–') : pct(s.judge.agreementAfter.estimate)),
            numeric: true,
          },
        ]
      : []),
    {
      title: 'gate',
      value: (s) => gate.get(s.scope) ?? '',
      show: (s) =>
        gate.has(s.scope)
          ? h('span', { class: `verdict small v-${gate.get(s.scope)}` }, VERDICT_TEXT[gate.get(s.scope) ?? ''] ?? '')
          : h('span', { class: 'muted' }, '–'),
      numeric: false,
    },
    { title: 'errors live', value: (s) => s.errors.live.estimate, show: (s) => pct(s.errors.live.estimate), numeric: true },
    { title: `errors ${who}`, value: (s) => s.errors.candidate.estimate, show: (s) => pct(s.errors.candidate.estimate), numeric: true },
    { title: 'p50 live', value: (s) => latencyOf(s, 'p50').live, show: (s) => ms(latencyOf(s, 'p50').live), numeric: true },
    { title: `p50 ${who}`, value: (s) => latencyOf(s, 'p50').candidate, show: (s) => ms(latencyOf(s, 'p50').candidate), numeric: true },
    { title: 'p99 live', value: (s) => latencyOf(s, 'p99').live, show: (s) => ms(latencyOf(s, 'p99').live), numeric: true },
    { title: `p99 ${who}`, value: (s) => latencyOf(s, 'p99').candidate, show: (s) => ms(latencyOf(s, 'p99').candidate), numeric: true },
    // The report's latency baseline when there is a secondary (same replay conditions).
    ...(report.secondary === null
      ? []
      : [
          {
            title: 'p99 secondary',
            value: (s: ReportScope) => latencyOf(s, 'p99').secondary,
            show: (s: ReportScope) => ms(latencyOf(s, 'p99').secondary),
            numeric: true,
          },
        ]),
    { title: 'status ≠', value: (s) => s.status.mismatchedPairs, show: (s) => count(s.status.mismatchedPairs), numeric: true },
    { title: 'sandbox-induced', value: (s) => s.sandboxInduced?.pairs ?? 0, show: (s) => count(s.sandboxInduced?.pairs ?? 0), numeric: true },
    {
      title: 'top differing path',
      value: (s) => s.paths[0]?.path ?? '',
      show: (s) => (s.paths[0] === undefined ? h('span', { class: 'muted' }, s.noisePaths.length > 0 ? 'noise only' : '–') : h('code', {}, s.paths[0].path)),
      numeric: false,
    },
  ];
  const sort = state.sort.get(c.challengerId) ?? { column: 1, descending: true };
  const col = columns[sort.column] ?? (columns[1] as Column);
  const rows = [...report.routes].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    const order = x === y ? 0 : x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
    return (sort.descending ? -order : order) || a.scope.localeCompare(b.scope);
  });
  const head = h(
    'tr',
    {},
    ...columns.map((cl, i) =>
      h(
        'th',
        {
          class: `${cl.numeric ? 'num ' : ''}sortable${i === sort.column ? ' sorted' : ''}`,
          'data-column': cl.title,
          title: 'sort',
          onclick: () => {
            state.sort.set(c.challengerId, { column: i, descending: i === sort.column ? !sort.descending : cl.numeric });
            rerender();
          },
        },
        cl.title,
        i === sort.column ? (sort.descending ? ' ▼' : ' ▲') : '',
      ),
    ),
  );
  const row = (s: ReportScope, overall: boolean) =>
    h('tr', { class: overall ? 'overall' : '', 'data-route': s.scope }, ...columns.map((cl) => h('td', { class: cl.numeric ? 'num' : '' }, cl.show(s))));
  return h(
    'section',
    { class: 'panel', 'data-panel': 'routes' },
    h('h3', {}, 'Per route ', h('span', { class: 'muted' }, `same numbers as shadow report; click a column to sort, a route for its pairs`)),
    h(
      'div',
      { class: 'table-wrap' },
      h('table', { class: 'routes' }, h('thead', {}, head), h('tbody', {}, ...rows.map((s) => row(s, false)), row(report.overall, true))),
    ),
  );
}

function pathsPanel(c: ChallengerView): HTMLElement {
  const o = c.report?.overall;
  if (o === undefined) return h('section', { class: 'panel' });
  const pairs = Math.max(1, o.pairs);
  const entries = [
    ...o.paths.map((p) => ({ ...p, tag: 'real' as const })),
    ...o.noisePaths.map((p) => ({ ...p, tag: 'noise' as const })),
    ...o.excludedPaths.map((p) => ({ ...p, tag: 'excluded' as const })),
    ...(o.sandboxPaths ?? []).map((p) => ({ ...p, tag: 'sandbox' as const })),
  ].sort((a, b) => b.pairs - a.pairs || a.path.localeCompare(b.path));
  const headers = [
    ...o.headers.map((x) => ({ ...x, tag: 'real' as const })),
    ...o.noiseHeaders.map((x) => ({ ...x, tag: 'noise' as const })),
    ...(o.sandboxHeaders ?? []).map((x) => ({ ...x, tag: 'sandbox' as const })),
  ].sort((a, b) => b.pairs - a.pairs);
  const tagChip = (tag: string) =>
    h(
      'span',
      {
        class: `tag tag-${tag}`,
        title: tag === 'sandbox' ? 'sandbox-induced: the challenger got an answer the sandbox made (or a read of a store live had changed); not counted' : '',
      },
      tag === 'real' ? 'differs' : tag === 'sandbox' ? 'sandbox-induced' : tag,
    );
  const pathRow = (path: string, filter: string, n: number, tag: string, example: string) =>
    h(
      'tr',
      { class: `path-${tag}`, 'data-path': path },
      h('td', {}, h('a', { href: link(`/pairs/${enc(c.challengerId)}`, { path: filter, filter: 'all' }) }, h('code', {}, path))),
      h('td', { class: 'num' }, count(n)),
      h('td', { class: 'num' }, pct(n / pairs)),
      h('td', {}, tagChip(tag)),
      h('td', {}, h('a', { href: link(`/pair/${enc(example)}`, { c: c.challengerId }), class: 'muted' }, 'example')),
    );
  const effects = [
    ...o.sideEffects.candidateOnly.map((e) => ({ ...e, what: `only ${roleLabel(c.role)}` })),
    ...o.sideEffects.liveOnly.map((e) => ({ ...e, what: 'only live' })),
    ...o.sideEffects.payloadChanged.map((e) => ({ ...e, what: 'payload differs' })),
  ];
  const unmatched = c.report?.unmatched ?? [];
  return h(
    'div',
    { class: 'two-col' },
    h(
      'section',
      { class: 'panel', 'data-panel': 'paths' },
      h(
        'h3',
        {},
        'Top differing paths ',
        h('span', { class: 'muted' }, 'body paths; noise = live and the secondary differ there too; sandbox-induced = not counted (docs/compare.md)'),
      ),
      entries.length === 0
        ? h('p', { class: 'muted' }, 'no differing body paths')
        : h(
            'table',
            { class: 'paths' },
            h(
              'thead',
              {},
              h('tr', {}, h('th', {}, 'path'), h('th', { class: 'num' }, 'pairs'), h('th', { class: 'num' }, 'share'), h('th', {}, ''), h('th', {}, '')),
            ),
            h('tbody', {}, ...entries.map((p) => pathRow(p.path, p.path, p.pairs, p.tag, p.examplePairId))),
          ),
    ),
    h(
      'div',
      {},
      h(
        'section',
        { class: 'panel', 'data-panel': 'headers' },
        h('h3', {}, 'Differing headers'),
        headers.length === 0
          ? h('p', { class: 'muted' }, 'none')
          : h('table', { class: 'paths' }, h('tbody', {}, ...headers.map((x) => pathRow(x.header, `header:${x.header}`, x.pairs, x.tag, x.examplePairId)))),
      ),
      h(
        'section',
        { class: 'panel', 'data-panel': 'side-effects' },
        h('h3', {}, 'Side-effect differences'),
        effects.length === 0
          ? h('p', { class: 'muted' }, 'none')
          : h(
              'table',
              { class: 'paths' },
              h(
                'tbody',
                {},
                ...effects.map((e) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, h('code', {}, `${e.method} ${e.target}${e.path}`)),
                    h('td', {}, e.what),
                    h('td', { class: 'num' }, count(e.pairs)),
                    h('td', {}, h('a', { href: link(`/pair/${enc(e.examplePairId)}`, { c: c.challengerId }), class: 'muted' }, 'example')),
                  ),
                ),
              ),
            ),
      ),
      h(
        'section',
        { class: 'panel', 'data-panel': 'unmatched' },
        h('h3', {}, 'Unmatched ', h('span', { class: 'muted' }, 'exchanges without a pair, by reason')),
        unmatched.length === 0
          ? h('p', { class: 'muted' }, 'none')
          : h(
              'table',
              { class: 'paths' },
              h(
                'tbody',
                {},
                ...unmatched.map((u) =>
                  h('tr', { 'data-reason': u.reason }, h('td', {}, h('code', {}, u.reason)), h('td', { class: 'num' }, count(u.exchanges))),
                ),
              ),
            ),
      ),
    ),
  );
}

/** What the judges decided (docs/judge.md): verdicts, skips, judging the judge, example reasons. Nothing without a judge. */
function judgePanel(c: ChallengerView): HTMLElement | null {
  const j = c.report?.overall.judge;
  if (j === null || j === undefined) return null;
  const notRun = j.notRun.map((n) => `${n.reason} ${count(n.pairs)}`).join(', ');
  return h(
    'section',
    { class: 'panel', 'data-panel': 'judge' },
    h('h3', {}, 'Judge ', h('span', { class: 'muted' }, `${j.judges.join(', ')}: what a diff could not decide`)),
    h(
      'p',
      {},
      `after the judge ${pct(j.agreementAfter.estimate)} (95% CI ${interval(j.agreementAfter)}) · ${count(j.needed)} pairs needed it: equal ${count(j.equal)}, different ${count(j.different)}, error ${count(j.error)}${notRun === '' ? '' : ` · not judged: ${notRun}`}`,
    ),
    j.falseDifferenceRate.trials === 0
      ? null
      : h(
          'p',
          { class: 'muted' },
          `judging the judge: live vs the secondary called different in ${pct(j.falseDifferenceRate.estimate)} of ${count(j.falseDifferenceRate.trials)} audits`,
        ),
    j.examples.length === 0
      ? null
      : h(
          'table',
          { class: 'paths' },
          h(
            'tbody',
            {},
            ...j.examples.map((e) =>
              h(
                'tr',
                { 'data-verdict': e.verdict },
                h('td', {}, h('span', { class: `tag tag-${e.verdict === 'equal' ? 'noise' : 'real'}` }, e.verdict)),
                h('td', {}, e.reason),
                h('td', { class: 'num' }, count(e.pairs)),
                h('td', {}, h('a', { href: link(`/pair/${enc(e.examplePairId)}`, { c: c.challengerId }), class: 'muted' }, 'example')),
              ),
            ),
          ),
        ),
  );
}

/**
 * Both sides' CPU and resident memory over time, side by side: live and every challenger scraped
 * for the service the selected challenger was scraped for (else the first scraped service).
 */
function resourcesPanel(c: ChallengerView, data: OverviewResponse, roles: Map<string, string>): HTMLElement {
  const panels = data.resources;
  const panel: ResourcePanel | undefined = panels.find((p) => p.series.some((s) => s.side === 'challenger' && s.challengerId === c.challengerId)) ?? panels[0];
  if (panel === undefined) {
    return h(
      'section',
      { class: 'panel', 'data-panel': 'resources' },
      h('h3', {}, 'Resources'),
      h('p', { class: 'muted' }, 'no resource samples in this window: the scraper of docs/watch.md has not watched any /metrics endpoint here'),
    );
  }
  const sides = [
    ...panel.series.filter((s) => s.side === 'live').map(() => 'live'),
    ...panel.series.filter((s) => s.side === 'challenger').map((s) => s.challengerId),
  ];
  const labelOf = (side: string) => (side === 'live' ? 'live' : `${side}${roles.has(side) ? ` (${roleLabel(roles.get(side) as string)})` : ''}`);
  const key = `${panel.service}|${c.challengerId}|${sides.join(',')}`;
  let charts = state.resourceCharts.get(key);
  if (charts === undefined) {
    const colorOf = (side: string, i: number) => sideColor(side, c.challengerId, roles.get(side), i);
    charts = [new ResourceChart('cpu', sides, labelOf, colorOf), new ResourceChart('rss', sides, labelOf, colorOf)];
    state.resourceCharts.set(key, charts);
  }
  const processes = panel.series.map((s) => `${labelOf(s.side === 'live' ? 'live' : s.challengerId)} ${s.targets}`).join(', ');
  const grid = h('div', { class: 'charts', 'data-panel': 'resource-charts' }, ...charts.map((ch) => ch.el));
  const drawn = charts;
  queueMicrotask(() => drawn.forEach((ch) => ch.update(panel)));
  return h(
    'section',
    { class: 'panel', 'data-panel': 'resources', 'data-service': panel.service },
    h('h3', {}, 'Resources ', h('span', { class: 'muted' }, `service ${panel.service} · buckets of ${duration(panel.bucketMs)} · processes: ${processes}`)),
    grid,
    h(
      'p',
      { class: 'muted' },
      'CPU ratio and memory growth with their intervals: `shadow report` (Resources) and the gate’s resources criteria (docs/gate.md).',
    ),
  );
}

/** The watch's alert states and the ramp step, once the joiner serves them; until then says there is none. */
function alertsPanel(data: OverviewResponse): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'data-panel': 'alerts' },
    h('h3', {}, 'Alerts and ramp'),
    data.watch === null
      ? h(
          'p',
          { class: 'muted', 'data-watch': 'none' },
          'no watch configured: alert rules and the sampling ramp run in the joiner’s watch section (docs/watch.md)',
        )
      : null,
  );
}

function renderOverview(data: OverviewResponse, selectedId: string): void {
  const generation = state.generation;
  if (data.challengers.length === 0) {
    clear(view);
    append(view, [
      h(
        'section',
        { class: 'panel empty' },
        h('h2', {}, 'No pairs in this window'),
        h('p', {}, `Nothing landed between ${stamp(data.window.fromMs)} and ${stamp(data.window.toMs)}${data.runId === null ? '' : ` for run ${data.runId}`}.`),
        h('p', { class: 'muted' }, 'Widen the window above, check that the joiner lands pairs in this database, or run `npm run demo`.'),
      ),
    ]);
    return;
  }
  const selected = data.challengers.find((c) => c.challengerId === selectedId) ?? (data.challengers[0] as ChallengerView);
  const content: Child[] = [
    h('section', { class: 'cards', 'data-panel': 'challengers' }, ...data.challengers.map((c) => challengerCard(c, c === selected, data.criteria))),
    h(
      'div',
      { class: 'challenger', 'data-challenger': selected.challengerId },
      h('h2', {}, roleChip(selected.role), ' ', nameOf(selected)),
      verdictPanel(selected, data.criteria),
      kpis(selected),
      chartsFor(selected),
      resourcesPanel(selected, data, new Map(data.challengers.map((x) => [x.challengerId, x.role]))),
      alertsPanel(data),
      routeTable(selected),
      judgePanel(selected),
      pathsPanel(selected),
    ),
  ];
  if (generation !== state.generation) return;
  clear(view);
  append(view, content);
}

// ---------------------------------------------------------------- pairs list

async function renderPairs(route: Route): Promise<void> {
  const challenger = route.arg;
  const p = route.params;
  const filter = (p.get('filter') ?? 'differing') as PairFilter;
  const page = Number(p.get('page') ?? '0');
  const list: PairList = await fetchPairs(windowParams(p), {
    challenger,
    method: p.get('method') ?? undefined,
    route: p.get('route') ?? undefined,
    path: p.get('path') ?? undefined,
    filter,
    page,
  });
  const keep = (extra: Record<string, string | number | undefined>) =>
    link(`/pairs/${enc(challenger)}`, {
      method: p.get('method') ?? undefined,
      route: p.get('route') ?? undefined,
      path: p.get('path') ?? undefined,
      filter,
      ...extra,
    });
  const what = [
    p.get('method') === null ? 'every route' : `${p.get('method')} ${p.get('route')}`,
    p.get('path') === null ? null : `where ${p.get('path')} differs`,
  ]
    .filter((x) => x !== null)
    .join(', ');
  clear(view);
  append(view, [
    h('nav', { class: 'crumbs' }, h('a', { href: link(`/c/${enc(challenger)}`) }, `← ${challenger}`)),
    h('h2', {}, `Pairs of ${challenger}`, h('span', { class: 'muted' }, ` ${what}`)),
    h(
      'div',
      { class: 'filters' },
      ...(['differing', 'agreeing', 'all'] as const).map((f) =>
        h('a', { class: f === filter ? 'win active' : 'win', href: keep({ filter: f, page: undefined }) }, f),
      ),
    ),
    list.items.length === 0
      ? h('p', { class: 'muted' }, 'no pairs')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'pairs' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['captured', 'route', 'path', 'status live', 'status challenger', 'differs', 'noise', 'latency live', 'latency challenger', 'bodies'].map(
                  (t) => h('th', {}, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              ...list.items.map((it) =>
                h(
                  'tr',
                  { class: it.agrees ? 'agrees' : 'differs', 'data-exchange': it.exchangeId },
                  h('td', {}, h('a', { href: link(`/pair/${enc(it.exchangeId)}`, { c: challenger }) }, stamp(it.captureMs))),
                  h('td', {}, `${it.method} ${it.route}`),
                  h('td', {}, h('code', {}, it.path)),
                  h('td', { class: 'num' }, String(it.liveStatus)),
                  h('td', { class: `num${it.liveStatus !== it.candidateStatus ? ' bad' : ''}` }, it.candidateErrorKind ?? String(it.candidateStatus)),
                  h('td', { class: 'num' }, count(it.realDiffs)),
                  h('td', { class: 'num muted' }, count(it.noisyDiffs)),
                  h('td', { class: 'num' }, ms(it.liveLatencyMs)),
                  h('td', { class: 'num' }, ms(it.candidateLatencyMs)),
                  h('td', {}, it.bodiesKept ? 'kept' : h('span', { class: 'muted' }, 'not kept')),
                ),
              ),
            ),
          ),
        ),
    h(
      'div',
      { class: 'pager' },
      page > 0 ? h('a', { class: 'win', href: keep({ page: page - 1 }) }, '← newer') : null,
      h('span', { class: 'muted' }, ` page ${page + 1} `),
      list.more ? h('a', { class: 'win', href: keep({ page: page + 1 }) }, 'older →') : null,
    ),
  ]);
}

// ---------------------------------------------------------------- one pair, side by side

const UNMATCHED_TEXT: Record<string, string> = {
  no_result: 'the live exchange arrived, but no result from this challenger within the join window',
  no_live_record: 'a result arrived, but not the live exchange',
  no_live_record_no_result: 'only side effects arrived',
};

function sideHeader(label: string, role: string | null): HTMLElement {
  return h('div', { class: 'side-head' }, role === null ? h('span', { class: 'role role-live' }, 'live') : roleChip(role), ' ', label);
}

function bodyCell(side: PairSide, which: 'live' | 'candidate', marks: Map<string, Mark>): HTMLElement {
  const body = which === 'live' ? side.live.body : side.candidate.body;
  if (body.text === null) {
    return h(
      'div',
      { class: 'not-kept', 'data-body': 'not-kept' },
      h('strong', {}, 'Body not kept. '),
      'The joiner keeps bodies for every disagreement and for a sample of agreements (JOINER_BODY_SAMPLE_RATE, docs/tables.md); this pair agreed exactly and was not sampled.',
      h('div', { class: 'muted' }, `${bytes(body.size)}, sha-256 ${body.hash}`),
    );
  }
  return h(
    'div',
    { class: 'body' },
    body.cut
      ? h(
          'p',
          { class: 'note' },
          `cut at ${bytes(utf8Length(body.text))} of ${bytes(body.size)} (JOINER_MAX_BODY_BYTES): differences past the cut are listed below but not shown here`,
        )
      : null,
    renderBody(body.text, marks),
  );
}

/** UTF-8 length of a string, in the browser. */
function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

function pairSection(side: PairSide, open: boolean): HTMLElement {
  const who = `${nameOf(side)}`;
  const marks = new Map<string, Mark>();
  for (const d of side.differences) if (d.path.startsWith('$')) marks.set(d.path, d.noise ? 'noise' : (marks.get(d.path) ?? 'real'));
  const real = side.differences.filter((d) => !d.noise).length;
  const causes = side.sandboxCauses ?? [];
  const sandboxNote =
    side.sandboxInduced !== true
      ? null
      : h(
          'p',
          { class: 'note', 'data-sandbox-induced': '' },
          `sandbox-induced: ${who} answered differently after the sandbox answered ${causes.length === 1 ? 'a call' : 'calls'} as live's never was, so its status, header and body differences are not counted (its side-effect differences are): `,
          ...causes.map((c, i) =>
            h(
              'span',
              {},
              i === 0 ? '' : '; ',
              c.kind === 'read_after_live_write' ? "read forwarded after live's write " : 'answered by the sandbox ',
              h('code', {}, c.key),
              ` (${c.disposition}${c.status > 0 ? ` ${c.status}` : ''})`,
            ),
          ),
        );
  const j = side.judge ?? null;
  const judgeNote =
    j === null
      ? null
      : h(
          'p',
          { class: 'note', 'data-judge': j.verdict },
          `judge ${j.judgeId} on ${j.path}: ${j.verdict}${j.kind === null ? '' : ` (${j.kind})`}${j.reason === null ? '' : `: ${j.reason}`}${j.cached ? ' · cached' : ` · ${ms(j.latencyMs)}`}`,
        );
  const noise = side.differences.length - real;
  const headerDiffs = side.differences.filter((d) => d.path.startsWith('header:'));
  const statusDiffers = side.live.status !== side.candidate.status;
  const summary = side.realAgree
    ? h('span', { class: 'verdict small v-pass' }, side.agree ? 'agrees' : 'agrees (noise only)')
    : h('span', { class: 'verdict small v-fail' }, `differs: ${real} ${real === 1 ? 'difference' : 'differences'}`);
  const row = (label: string, live: Child, cand: Child, cls = '') =>
    h(
      'div',
      { class: `sbs-row ${cls}` },
      h('div', { class: 'sbs-label' }, label),
      h('div', { class: 'sbs-cell sbs-live' }, live),
      h('div', { class: 'sbs-cell sbs-candidate' }, cand),
    );
  const effects = side.sideEffects.differences;
  const content = h(
    'div',
    { class: 'pair-body' },
    sandboxNote,
    judgeNote,
    h(
      'div',
      { class: 'legend' },
      h('span', { class: 'swatch diff-real' }, 'differs'),
      h('span', { class: 'swatch diff-noise' }, 'noise: live and the secondary differ there too'),
      h('span', { class: 'muted' }, `compared by ${side.comparator} · ${noise} noisy ${noise === 1 ? 'path' : 'paths'}`),
    ),
    h(
      'div',
      { class: 'sbs' },
      row('', sideHeader('what live answered', null), sideHeader(`what ${who} answered`, side.role), 'sbs-head'),
      row(
        'status',
        h('span', { class: statusDiffers ? 'hl-real' : '' }, String(side.live.status)),
        h(
          'span',
          { class: statusDiffers ? 'hl-real' : '', 'data-field': 'status' },
          side.candidate.errorKind === null ? String(side.candidate.status) : `no answer (${side.candidate.errorKind})`,
        ),
      ),
      row('latency', ms(side.live.latencyMs), ms(side.candidate.latencyMs)),
      row(
        'headers',
        headerDiffs.length === 0
          ? h('span', { class: 'muted' }, 'no differing header (only differing headers are stored)')
          : h(
              'div',
              {},
              ...headerDiffs.map((d) =>
                h(
                  'div',
                  { class: `hdr ${d.noise ? 'diff-noise' : 'diff-real'}`, 'data-path': d.path },
                  h('code', {}, d.path.slice(7)),
                  ': ',
                  d.liveValue === '' ? h('span', { class: 'muted' }, 'absent') : d.liveValue,
                ),
              ),
            ),
        headerDiffs.length === 0
          ? ''
          : h(
              'div',
              {},
              ...headerDiffs.map((d) =>
                h(
                  'div',
                  { class: `hdr ${d.noise ? 'diff-noise' : 'diff-real'}`, 'data-path': d.path },
                  h('code', {}, d.path.slice(7)),
                  ': ',
                  d.candidateValue === '' ? h('span', { class: 'muted' }, 'absent') : d.candidateValue,
                ),
              ),
            ),
      ),
      row('body', bodyCell(side, 'live', marks), bodyCell(side, 'candidate', marks), 'sbs-bodies'),
      row(
        'side effects',
        h('span', {}, `${side.sideEffects.live} ${side.sideEffects.live === 1 ? 'write' : 'writes'}`),
        h(
          'div',
          {},
          h('span', {}, `${side.sideEffects.candidate} ${side.sideEffects.candidate === 1 ? 'write' : 'writes'}`),
          ...effects.map((e) =>
            h(
              'div',
              { class: `effect ${e.noise ? 'diff-noise' : 'diff-real'}`, 'data-effect': e.direction },
              `${e.direction === 'candidate-only' ? `only ${roleLabel(side.role)}` : e.direction === 'live-only' ? 'only live' : 'payload differs'}: `,
              h('code', {}, `${e.method} ${e.target}${e.path}`),
            ),
          ),
        ),
      ),
    ),
    side.differences.length === 0
      ? null
      : h(
          'details',
          { open: true, class: 'diff-list' },
          h('summary', {}, `every difference (${side.differences.length})`),
          h(
            'table',
            { class: 'paths' },
            h('thead', {}, h('tr', {}, ...['path', 'kind', 'live', who, ''].map((t) => h('th', {}, t)))),
            h(
              'tbody',
              {},
              ...side.differences.map((d) =>
                h(
                  'tr',
                  { class: d.noise ? 'path-noise' : 'path-real', 'data-path': d.path },
                  h('td', {}, h('code', {}, d.path)),
                  h('td', {}, d.kind),
                  h('td', {}, h('code', {}, d.liveValue)),
                  h('td', {}, h('code', {}, d.candidateValue)),
                  h(
                    'td',
                    {},
                    h(
                      'span',
                      { class: `tag tag-${d.noise ? 'noise' : d.sandboxInduced === true ? 'sandbox' : 'real'}` },
                      d.noise ? 'noise' : d.sandboxInduced === true ? 'sandbox-induced' : 'differs',
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
  );
  return h(
    'details',
    { class: 'panel pair', open, 'data-pair': side.challengerId },
    h(
      'summary',
      {},
      h('span', { class: 'pair-title' }, roleChip(side.role), ` live vs ${who}`),
      ' ',
      summary,
      h(
        'span',
        { class: 'muted' },
        `${side.runId === '' ? ' live shadowing' : ` run ${side.runId}`} · attempt ${side.attempt} · landed ${stamp(side.joinedMs)}`,
      ),
    ),
    content,
  );
}

async function renderPair(route: Route): Promise<void> {
  const detail = await fetchPair(route.arg);
  const want = route.params.get('c');
  const sides = [...detail.pairs].sort((a, b) => Number(b.challengerId === want) - Number(a.challengerId === want));
  const ex = detail.exchange;
  clear(view);
  append(view, [
    h('nav', { class: 'crumbs' }, want === null ? h('a', { href: link('/') }, '← overview') : h('a', { href: link(`/c/${enc(want)}`) }, `← ${want}`)),
    h('h2', {}, 'Exchange ', h('code', {}, detail.exchangeId)),
    ex === null
      ? null
      : h(
          'p',
          { class: 'meta' },
          h('strong', {}, `${ex.method} ${ex.path}`),
          h('span', { class: 'muted' }, ` route ${ex.route} · service ${ex.service} (${ex.environment}) · captured ${stamp(ex.captureMs)}`),
        ),
    ...sides.map((s, i) => pairSection(s, i === 0)),
    ...detail.unmatched.map((u) =>
      h(
        'section',
        { class: 'panel unmatched', 'data-unmatched': u.challengerId },
        h('strong', {}, `${u.challengerId} (${roleLabel(u.role)}): no pair`),
        ` — ${u.reason}: ${UNMATCHED_TEXT[u.reason] ?? u.reason}`,
        h('span', { class: 'muted' }, ` (expired by ${u.expiredBy}${u.runId === '' ? '' : `, run ${u.runId}`})`),
      ),
    ),
  ]);
}

// ---------------------------------------------------------------- refresh loop

let lastOverview: OverviewResponse | null = null;

function rerender(): void {
  const route = currentRoute();
  if (route.name === 'overview' && lastOverview !== null) renderOverview(lastOverview, route.arg);
}

function schedule(): void {
  window.clearTimeout(state.timer);
  const route = currentRoute();
  if (state.paused || route.name === 'pair') return;
  const idle = state.unchanged >= 3;
  state.timer = window.setTimeout(() => void refresh(false), idle ? state.refreshMs * 6 : state.refreshMs);
}

function updateStatus(): void {
  if (state.paused) {
    setStatus('paused', `paused · updated ${clock(state.lastUpdated)}`);
    return;
  }
  if (currentRoute().name === 'pair') {
    setStatus('idle', `read ${clock(state.lastUpdated)} · a pair does not change once landed`);
    return;
  }
  const idle = state.unchanged >= 3;
  setStatus(
    idle ? 'idle' : 'live',
    idle
      ? `updated ${clock(state.lastUpdated)} · idle: no new pairs, checking every ${duration(state.refreshMs * 6)}`
      : `updated ${clock(state.lastUpdated)} · refreshing every ${duration(state.refreshMs)}`,
  );
}

async function refresh(navigated: boolean): Promise<void> {
  const route = currentRoute();
  const generation = ++state.generation;
  if (navigated) {
    renderWindowNav();
    if (route.name !== 'overview' || lastOverview === null) {
      clear(view);
      append(view, [h('p', { class: 'muted loading' }, 'loading…')]);
    }
    for (const charts of state.charts.values()) charts.forEach((c) => c.destroy());
    state.charts.clear();
    for (const charts of state.resourceCharts.values()) charts.forEach((c) => c.destroy());
    state.resourceCharts.clear();
  }
  try {
    if (route.name === 'overview') {
      const data = await fetchOverview(windowParams(route.params));
      if (generation !== state.generation) return;
      lastOverview = data;
      const signature = `${data.challengers.map((c) => `${c.challengerId}:${c.pairs}:${c.lastJoinedMs}`).join(',')}`;
      state.unchanged = signature === state.signature ? state.unchanged + 1 : 0;
      state.signature = signature;
      footer.textContent = `ClickHouse: ${data.clickhouse} · ${describeCriteria(data.criteria)} · window ${stamp(data.window.fromMs)} – ${stamp(data.window.toMs)}`;
      renderOverview(data, route.arg);
    } else if (route.name === 'pairs') {
      await renderPairs(route);
    } else {
      await renderPair(route);
    }
    state.lastUpdated = Date.now();
    updateStatus();
  } catch (error) {
    if (generation !== state.generation) return;
    const message = error instanceof ApiError ? error.message : `cannot reach the dashboard: ${error instanceof Error ? error.message : String(error)}`;
    setStatus('error', `${state.lastUpdated === 0 ? 'not loaded' : `last updated ${clock(state.lastUpdated)}`} · ${message}`);
    if (navigated || state.lastUpdated === 0 || route.name !== 'overview') {
      clear(view);
      append(view, [errorBox(message)]);
    }
  }
  if (generation === state.generation) schedule();
}

pauseButton.addEventListener('click', () => {
  state.paused = !state.paused;
  pauseButton.textContent = state.paused ? 'Resume' : 'Pause';
  if (state.paused) {
    window.clearTimeout(state.timer);
    updateStatus();
  } else void refresh(false);
});

window.addEventListener('hashchange', () => {
  state.unchanged = 0;
  void refresh(true);
});

void (async () => {
  try {
    const config = await fetchConfig();
    state.refreshMs = config.refreshMs;
    state.defaultSince = duration(config.windowMs);
    footer.textContent = `ClickHouse: ${config.clickhouse} · ${describeCriteria(config.criteria)}`;
  } catch {
    // the first refresh reports what is wrong
  }
  await refresh(true);
})();
