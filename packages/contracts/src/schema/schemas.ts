// The .avsc files in packages/contracts/schemas are the source of truth (readable by other
// languages and by registry tooling). They are read once at import, relative to this module, so the
// same code works from src/ (tests) and dist/ (runtime): both sit two levels below the package root,
// and `schemas/` ships with the package (see package.json `files`). No build copy step is needed.
import { readFileSync } from 'node:fs';

/** A parsed Avro record schema (.avsc JSON). */
export interface AvroRecordSchema {
  readonly type: 'record';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields: readonly AvroField[];
}

export interface AvroField {
  readonly name: string;
  readonly type: unknown;
  readonly default?: unknown;
  readonly doc?: string;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function load(file: string): AvroRecordSchema {
  const text = readFileSync(new URL(`../../schemas/${file}`, import.meta.url), 'utf8');
  return deepFreeze(JSON.parse(text) as AvroRecordSchema);
}

/** The current (writer) schemas, parsed from the shipped .avsc files. Deep-frozen. */
export const schemas = Object.freeze({
  capturedExchange: load('captured-exchange.avsc'),
  shadowResult: load('shadow-result.avsc'),
  sideEffect: load('side-effect.avsc'),
  label: load('label.avsc'),
  replayProgress: load('replay-progress.avsc'),
});
