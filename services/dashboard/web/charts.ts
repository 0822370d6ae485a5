// Time-series charts of one challenger, drawn with uPlot (bundled; no network): agreement with its
// Wilson band, latency p50/p99 of live and the challenger, and both error rates. A chart is made
// once per panel and fed new data on every refresh, so a refresh does not flicker.
import uPlot from 'uplot';
import type { ResourcePanel, TimeSeries } from './api.js';
import { h } from './dom.js';
import { ms, pct } from './format.js';

export const LIVE_COLOR = '#475569';
export const CHALLENGER_COLOR = '#ea580c';
const BAND_FILL = 'rgba(37, 99, 235, 0.16)';
const AGREEMENT_COLOR = '#2563eb';

type Data = (number | null)[][];

interface ChartSpec {
  title: string;
  note: string;
  series: uPlot.Series[];
  bands?: uPlot.Band[];
  yRange?: (min: number, max: number) => [number, number];
  yValues: (v: number) => string;
  data: (s: TimeSeries) => Data;
}

const SECONDARY_COLOR = '#0d9488';

function spec(kind: 'agreement' | 'latency' | 'errors', challengerLabel: string, withSecondary: boolean): ChartSpec {
  const value = (f: (v: number) => string) => (_u: uPlot, v: number | null) => (v === null ? '–' : f(v));
  if (kind === 'agreement') {
    return {
      title: 'Agreement over time',
      note: 'share of pairs that agree once noise is discounted; band: 95% Wilson interval per bucket',
      series: [
        {},
        { label: 'agreement', stroke: AGREEMENT_COLOR, width: 2, value: value((v) => pct(v / 100)) },
        { label: '95% low', stroke: 'rgba(37,99,235,0.35)', width: 1, value: value((v) => pct(v / 100)) },
        { label: '95% high', stroke: 'rgba(37,99,235,0.35)', width: 1, value: value((v) => pct(v / 100)) },
      ],
      bands: [{ series: [3, 2], fill: BAND_FILL }],
      yRange: (min) => [Math.max(0, Math.floor(Math.min(min, 90) / 10) * 10), 100],
      yValues: (v) => `${v}%`,
      data: (s) => [
        s.points.map((p) => p.startMs),
        s.points.map((p) => (p.agreement.estimate === null ? null : p.agreement.estimate * 100)),
        s.points.map((p) => (p.pairs === 0 ? null : p.agreement.lower * 100)),
        s.points.map((p) => (p.pairs === 0 ? null : p.agreement.upper * 100)),
      ],
    };
  }
  if (kind === 'latency') {
    // With a secondary it is the baseline (same replay conditions, as the report); live is drawn for reference.
    return {
      title: 'Latency p50 / p99',
      note: withSecondary
        ? `${challengerLabel} vs the secondary (same replay) and live, answered pairs per bucket`
        : `live vs ${challengerLabel}, answered pairs per bucket (live measured in production)`,
      series: [
        {},
        { label: 'live p50', stroke: LIVE_COLOR, width: 2, value: value(ms) },
        { label: 'live p99', stroke: LIVE_COLOR, width: 1, dash: [6, 4], value: value(ms) },
        { label: `${challengerLabel} p50`, stroke: CHALLENGER_COLOR, width: 2, value: value(ms) },
        { label: `${challengerLabel} p99`, stroke: CHALLENGER_COLOR, width: 1, dash: [6, 4], value: value(ms) },
        ...(withSecondary
          ? [
              { label: 'secondary p50', stroke: SECONDARY_COLOR, width: 2, value: value(ms) },
              { label: 'secondary p99', stroke: SECONDARY_COLOR, width: 1, dash: [6, 4], value: value(ms) },
            ]
          : []),
      ],
      yRange: (_min, max) => [0, max > 0 ? max * 1.1 : 1],
      yValues: (v) => ms(v),
      data: (s) => [
        s.points.map((p) => p.startMs),
        s.points.map((p) => p.liveP50Ms),
        s.points.map((p) => p.liveP99Ms),
        s.points.map((p) => p.candidateP50Ms),
        s.points.map((p) => p.candidateP99Ms),
        ...(withSecondary ? [s.points.map((p) => p.secondaryP50Ms ?? null), s.points.map((p) => p.secondaryP99Ms ?? null)] : []),
      ],
    };
  }
  return {
    title: 'Error rate',
    note: 'no answer, status ≥ 500 or an error kind, per bucket (sandbox-induced pairs left out, as the report)',
    series: [
      {},
      { label: 'live', stroke: LIVE_COLOR, width: 2, value: value((v) => pct(v / 100)) },
      { label: challengerLabel, stroke: CHALLENGER_COLOR, width: 2, value: value((v) => pct(v / 100)) },
    ],
    yRange: (_min, max) => [0, Math.max(5, Math.ceil(max / 5) * 5)],
    yValues: (v) => `${v}%`,
    data: (s) => [
      s.points.map((p) => p.startMs),
      s.points.map((p) => ((p.errorPairs ?? p.pairs) === 0 ? null : (p.liveErrors / (p.errorPairs ?? p.pairs)) * 100)),
      s.points.map((p) => ((p.errorPairs ?? p.pairs) === 0 ? null : (p.candidateErrors / (p.errorPairs ?? p.pairs)) * 100)),
    ],
  };
}

export class Chart {
  readonly el: HTMLElement;
  readonly #body: HTMLElement;
  readonly #spec: ChartSpec;
  #plot: uPlot | null = null;
  #observer: ResizeObserver;

  constructor(kind: 'agreement' | 'latency' | 'errors', challengerLabel: string, withSecondary = false) {
    this.#spec = spec(kind, challengerLabel, withSecondary);
    this.#body = h('div', { class: 'chart-body' });
    this.el = h(
      'figure',
      { class: `chart chart-${kind}`, 'data-chart': kind },
      h('figcaption', {}, h('strong', {}, this.#spec.title), h('span', { class: 'muted' }, ` ${this.#spec.note}`)),
      this.#body,
    );
    this.#observer = new ResizeObserver(() => this.#plot?.setSize(this.#size()));
    this.#observer.observe(this.#body);
  }

  #size(): { width: number; height: number } {
    return { width: Math.max(280, this.#body.clientWidth), height: 200 };
  }

  update(series: TimeSeries): void {
    const data = this.#spec.data(series) as uPlot.AlignedData;
    if (this.#plot !== null) {
      this.#plot.setData(data);
      return;
    }
    const s = this.#spec;
    const opts: uPlot.Options = {
      ...this.#size(),
      ms: 1,
      series: s.series,
      ...(s.bands === undefined ? {} : { bands: s.bands }),
      scales: { x: { time: true }, y: { range: (_u, min, max) => (s.yRange === undefined ? [min, max] : s.yRange(min ?? 0, max ?? 0)) } },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#eef2f7' } },
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, values: (_u, vals) => vals.map((v) => s.yValues(v)), size: 64 },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    this.#plot = new uPlot(opts, data, this.#body);
  }

  destroy(): void {
    this.#observer.disconnect();
    this.#plot?.destroy();
  }
}

const PALETTE = ['#7c3aed', '#db2777', '#ca8a04', '#2563eb'];

/** Live grey, the selected challenger orange, a secondary teal (as the latency chart), others from a palette. */
export function sideColor(side: string, selected: string, role: string | undefined, index: number): string {
  if (side === 'live') return LIVE_COLOR;
  if (side === selected) return CHALLENGER_COLOR;
  if (role === 'secondary') return SECONDARY_COLOR;
  return PALETTE[index % PALETTE.length] as string;
}

/**
 * CPU or resident memory of live and every scraped challenger of one service over time, one line
 * each, side by side in one chart (the same buckets for all). The set of lines is fixed when the
 * chart is made; a refresh that brings another side makes a new chart (ResourceCharts.key).
 */
export class ResourceChart {
  readonly el: HTMLElement;
  readonly #body: HTMLElement;
  readonly #kind: 'cpu' | 'rss';
  readonly #sides: readonly string[];
  #plot: uPlot | null = null;
  #observer: ResizeObserver;

  /** `sides`: 'live' first, then challenger ids; `colorOf` their strokes. */
  constructor(kind: 'cpu' | 'rss', sides: readonly string[], labelOf: (side: string) => string, colorOf: (side: string, index: number) => string) {
    this.#kind = kind;
    this.#sides = sides;
    this.#body = h('div', { class: 'chart-body' });
    const title = kind === 'cpu' ? 'CPU' : 'Resident memory';
    const note =
      kind === 'cpu'
        ? 'process_cpu_seconds_total per second, summed over each side’s processes'
        : 'process_resident_memory_bytes, summed over each side’s processes';
    this.el = h(
      'figure',
      { class: `chart chart-${kind}`, 'data-chart': kind },
      h('figcaption', {}, h('strong', {}, title), h('span', { class: 'muted' }, ` ${note}`)),
      this.#body,
    );
    this.#observer = new ResizeObserver(() => this.#plot?.setSize({ width: Math.max(280, this.#body.clientWidth), height: 200 }));
    this.#observer.observe(this.#body);
    this.labels = sides.map(labelOf);
    this.#colorOf = colorOf;
  }

  readonly #colorOf: (side: string, index: number) => string;

  readonly labels: readonly string[];

  update(panel: ResourcePanel): void {
    const times = [...new Set(panel.series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
    const column = (side: string) => {
      const s = panel.series.find((x) => (side === 'live' ? x.side === 'live' : x.side === 'challenger' && x.challengerId === side));
      const byT = new Map((s?.points ?? []).map((p) => [p.t, this.#kind === 'cpu' ? p.cpu : p.rss === null ? null : p.rss / (1024 * 1024)]));
      return times.map((t) => byT.get(t) ?? null);
    };
    const data = [times, ...this.#sides.map(column)] as uPlot.AlignedData;
    if (this.#plot !== null) {
      this.#plot.setData(data);
      return;
    }
    const fmt = (v: number) => (this.#kind === 'cpu' ? `${(v * 100).toFixed(v >= 1 ? 0 : 1)}%` : `${v.toFixed(v >= 100 ? 0 : 1)} MiB`);
    const value = (_u: uPlot, v: number | null) => (v === null ? '–' : fmt(v));
    this.#plot = new uPlot(
      {
        width: Math.max(280, this.#body.clientWidth),
        height: 200,
        ms: 1,
        series: [
          {},
          ...this.#sides.map((side, i) => ({
            label: this.labels[i] as string,
            stroke: this.#colorOf(side, i),
            width: 2,
            value,
          })),
        ],
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, (max ?? 0) > 0 ? (max as number) * 1.1 : 1] } },
        axes: [
          { stroke: '#64748b', grid: { stroke: '#eef2f7' } },
          { stroke: '#64748b', grid: { stroke: '#eef2f7' }, values: (_u, vals) => vals.map((v) => fmt(v)), size: 72 },
        ],
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      this.#body,
    );
  }

  destroy(): void {
    this.#observer.disconnect();
    this.#plot?.destroy();
  }
}
