// Number formatting shared by the gate's reasons and every renderer, so a value reads the same in
// a terminal, a CI comment and a log line.

export function formatPercent(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return x > 0 ? '+inf' : '-inf';
  return `${(x * 100).toFixed(digits)}%`;
}

/** Percentage points, signed: +1.20 pp. */
export function formatPoints(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  const v = x * 100;
  return `${v >= 0 ? '+' : ''}${v.toFixed(digits)} pp`;
}

export function formatMs(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return x > 0 ? '+inf' : '-inf';
  const abs = Math.abs(x);
  const digits = abs >= 1000 ? 0 : abs >= 10 ? 1 : 2;
  return `${x.toFixed(digits)} ms`;
}

export function formatSignedMs(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  return `${x >= 0 ? '+' : ''}${formatMs(x)}`;
}

export function formatNumber(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return x > 0 ? '+inf' : '-inf';
  return Number.isInteger(x) ? x.toLocaleString('en-US') : x.toFixed(digits).replace(/0+$/, '').replace(/\.$/, '');
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatFactor(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return '+inf x';
  return `${x.toFixed(3)}x`;
}

/** A memory slope: 1.50 MiB/h, 12.0 KiB/h, 300 B/h (binary units, as RSS is reported). */
export function formatBytesPerHour(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (!Number.isFinite(x)) return x > 0 ? '+inf B/h' : '-inf B/h';
  const abs = Math.abs(x);
  if (abs >= 1024 ** 3) return `${(x / 1024 ** 3).toFixed(2)} GiB/h`;
  if (abs >= 1024 ** 2) return `${(x / 1024 ** 2).toFixed(2)} MiB/h`;
  if (abs >= 1024) return `${(x / 1024).toFixed(1)} KiB/h`;
  return `${x.toFixed(0)} B/h`;
}

/** Resident memory: 48.2 MiB. */
export function formatBytes(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  const abs = Math.abs(x);
  if (abs >= 1024 ** 3) return `${(x / 1024 ** 3).toFixed(2)} GiB`;
  if (abs >= 1024 ** 2) return `${(x / 1024 ** 2).toFixed(1)} MiB`;
  if (abs >= 1024) return `${(x / 1024).toFixed(1)} KiB`;
  return `${x.toFixed(0)} B`;
}
