// Fixture times are computed from the clock, never calendar dates (issue 14: pairs seeded at
// Date.UTC(<2026>, 10, 1) expired under the tables' retention a month later and main went red). This
// scans every test file and test helper for a calendar date built in code and fails naming the file
// and line. A test about parsing a given date string needs one: it is on the allow list below, with
// the reason, and the list is checked to stay exact (an entry that no longer matches fails too).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** A calendar date written into code: a year literal handed to a Date constructor or parser. */
const CALENDAR_DATE: readonly RegExp[] = [
  /\bDate\.UTC\(\s*(?:19|20)\d\d\b/, // Date.UTC(yyyy, 10, 1)
  /\bnew Date\(\s*['"`](?:19|20)\d\d/, // new Date('yyyy-11-01T00:00:00Z')
  /\bnew Date\(\s*(?:19|20)\d\d\s*,/, // new Date(yyyy, 10, 1)
  /\bDate\.parse\(\s*['"`](?:19|20)\d\d/, // Date.parse('yyyy-11-01')
];

/** Files that test parsing a given date: the date IS the input. Path -> reason. */
const ALLOWED: Readonly<Record<string, string>> = {
  'packages/contracts/src/time/time-arg.test.ts': 'parseTimeArg: ISO times and epoch numbers given as text must become exactly these instants',
  'packages/replay/src/historical/time.test.ts': 'parseInstant of --from/--to: a given ISO time and its instant',
  'services/cli/src/commands/clickhouse-flags.test.ts': '--since/--until parsing: ISO times to instants, durations against a fixed now so they are exact',
  'services/dashboard/src/server/params.test.ts': "the dashboard API's since/until parameters: ISO times with zones to instants, durations against a fixed now",
};

/** Test files and test helpers: *.test.ts, *.test-data.ts, fixture files, and everything under a test/ folder. */
function isTestSource(path: string): boolean {
  if (!/\.(?:m?ts|m?js)$/.test(path)) return false;
  return /\.test\.m?[tj]s$/.test(path) || /\.test-data\.ts$/.test(path) || /(?:^|\/)fixtures?[^/]*\.ts$/.test(path) || /(?:^|\/)test\//.test(path);
}

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (isTestSource(relative(ROOT, path))) yield path;
  }
}

/** `line: text` of every calendar date in `text`. */
function calendarDates(text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (CALENDAR_DATE.some((p) => p.test(line))) found.push(`${i + 1}: ${line.trim()}`);
  });
  return found;
}

function scan(): Map<string, string[]> {
  const hits = new Map<string, string[]>();
  for (const top of ['packages', 'services', 'test']) {
    for (const path of sources(join(ROOT, top))) {
      const found = calendarDates(readFileSync(path, 'utf8'));
      if (found.length > 0) hits.set(relative(ROOT, path), found);
    }
  }
  return hits;
}

describe('fixture dates', () => {
  it('the scanner recognises each way of writing a calendar date, and not dates computed from the clock', () => {
    // Built by concatenation so this file does not match itself.
    const year = '20' + '26';
    for (const written of [
      `Date.UTC(${year}, 10, 1)`,
      `new Date('${year}-11-01T00:00:00Z')`,
      `new Date(${year}, 10, 1)`,
      `Date.parse("${year}-11-01")`,
      `const T = Date.UTC( ${year}, 0)`,
    ]) {
      expect(calendarDates(`const a = 1;\n${written};`), written).toEqual([`2: ${written};`]);
    }
    for (const computed of ['const T = Date.now() - 86_400_000;', 'new Date(T).toISOString()', 'Date.UTC(year, 0, 1)', `parse('${year}-11-01')`]) {
      expect(calendarDates(computed), computed).toEqual([]);
    }
  });

  it('no test file or test helper seeds a calendar date (allowed: tests of parsing a given date)', () => {
    const hits = scan();
    const offenders = [...hits].filter(([path]) => ALLOWED[path] === undefined).map(([path, lines]) => `${path}:${lines.join(`\n${path}:`)}`);
    expect(
      offenders,
      'compute fixture times from Date.now() (e.g. Date.now() - 86_400_000); a test of date parsing goes on the ALLOWED list with its reason',
    ).toEqual([]);
    // The allow list stays exact: an entry whose file no longer writes a date must go.
    expect(Object.keys(ALLOWED).filter((path) => !hits.has(path))).toEqual([]);
  });
});
