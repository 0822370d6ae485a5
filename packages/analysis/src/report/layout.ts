// One layout model for every human-readable output: a document is a title, a few summary lines
// and sections holding a table or lines. The text and Markdown renderers lay out the same
// document, so a terminal and a CI comment never disagree about what was measured.

export type Align = 'left' | 'right';

export interface Table {
  headers: string[];
  rows: string[][];
  /** Per column; default left. */
  align?: Align[];
}

export interface Section {
  title: string;
  lines?: string[];
  table?: Table;
  /** Printed when the section has no rows (e.g. "none"). */
  empty?: string;
}

export interface Doc {
  title: string;
  /** Key facts under the title. */
  summary: string[];
  sections: Section[];
}

export interface TextOptions {
  /** ANSI colours for outcomes. The CLI passes process.stdout.isTTY. @default false */
  color?: boolean;
}

const ANSI: Record<string, string> = { PASS: '\u001b[32m', FAIL: '\u001b[31m', INSUFFICIENT: '\u001b[33m' };
const RESET = '\u001b[0m';

function paint(cell: string, color: boolean): string {
  if (!color) return cell;
  const word = cell.trim().split(/\s/)[0] ?? '';
  const code = ANSI[word];
  return code === undefined ? cell : cell.replace(word, `${code}${word}${RESET}`);
}

/** Fixed-width columns, two spaces apart, a dashed rule under the header. */
export function textTable(table: Table, indent = '  ', color = false): string[] {
  const widths = table.headers.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], paintCells: boolean) =>
    indent +
    cells
      .map((c, i) => {
        const w = widths[i] ?? 0;
        const padded = table.align?.[i] === 'right' ? c.padStart(w) : c.padEnd(w);
        return paintCells ? paint(padded, color) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(table.headers, false), indent + widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map((r) => line(r, true))];
}

export function renderText(doc: Doc, options: TextOptions = {}): string {
  const color = options.color ?? false;
  const out: string[] = [paint(doc.title, color), ...doc.summary.map((s) => `  ${s}`)];
  for (const section of doc.sections) {
    out.push('', section.title);
    for (const l of section.lines ?? []) out.push(`  ${paint(l, color)}`);
    if (section.table !== undefined && section.table.rows.length > 0) out.push(...textTable(section.table, '  ', color));
    else if (section.table !== undefined || (section.lines ?? []).length === 0) out.push(`  ${section.empty ?? 'none'}`);
  }
  return `${out.join('\n')}\n`;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdown(doc: Doc, level = 3): string {
  const h = '#'.repeat(level);
  const out: string[] = [`${h} ${doc.title}`, '', ...doc.summary.map((s) => `- ${s}`)];
  for (const section of doc.sections) {
    out.push('', `${h}# ${section.title}`, '');
    for (const l of section.lines ?? []) out.push(`- ${l}`);
    const t = section.table;
    if (t !== undefined && t.rows.length > 0) {
      if ((section.lines ?? []).length > 0) out.push('');
      out.push(`| ${t.headers.map(mdCell).join(' | ')} |`);
      out.push(`|${t.headers.map((_, i) => (t.align?.[i] === 'right' ? ' ---: ' : ' --- ')).join('|')}|`);
      for (const r of t.rows) out.push(`| ${r.map((c) => mdCell(c)).join(' | ')} |`);
    } else if (t !== undefined || (section.lines ?? []).length === 0) out.push(`_${section.empty ?? 'none'}_`);
  }
  return `${out.join('\n')}\n`;
}
