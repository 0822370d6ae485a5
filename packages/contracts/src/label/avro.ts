import { ContractsError } from '../errors.js';
import type { AvroRecord, RecordContract } from '../schema/record-contract.js';
import { defineRecordContract, long } from '../schema/record-contract.js';
import { schemas } from '../schema/schemas.js';
import type { Label, LabelValue } from './types.js';
import { LABEL_NAME_PATTERN } from './types.js';

export function labelToAvro(l: Label): AvroRecord {
  return {
    exchangeId: l.exchangeId,
    name: l.name,
    value: l.value,
    observedTimeMs: long(l.observedTimeMs),
    source: l.source,
  };
}

export function labelFromAvro(r: AvroRecord): Label {
  return {
    exchangeId: r.exchangeId as string,
    name: r.name as string,
    value: r.value as LabelValue,
    observedTimeMs: r.observedTimeMs as number,
    source: (r.source as string | undefined) ?? '',
  };
}

/**
 * What Avro cannot check: a non-empty exchange id (the partition key), an identifier-like name and
 * a finite number. Returns the problems, each naming the field; empty when the label is usable.
 */
export function labelProblems(l: Label): string[] {
  const problems: string[] = [];
  if (typeof l.exchangeId !== 'string' || l.exchangeId.length === 0) problems.push('exchangeId: expected a non-empty string');
  if (typeof l.name !== 'string' || !LABEL_NAME_PATTERN.test(l.name)) {
    problems.push(`name: expected letters, digits, "_", ".", "-" (starting with a letter or "_", at most 128), got ${JSON.stringify(l.name)}`);
  }
  if (typeof l.value === 'number' && !Number.isFinite(l.value)) problems.push(`value: expected a finite number, got ${String(l.value)}`);
  if (!['string', 'number', 'boolean'].includes(typeof l.value)) problems.push('value: expected a string, number or boolean');
  if (!Number.isSafeInteger(l.observedTimeMs) || l.observedTimeMs < 0) problems.push('observedTimeMs: expected epoch milliseconds');
  return problems;
}

/** Throws CONTRACTS_INVALID_ARGUMENT naming the fields when {@link labelProblems} finds any. */
export function assertLabel(l: Label): Label {
  const problems = labelProblems(l);
  if (problems.length > 0) throw new ContractsError('CONTRACTS_INVALID_ARGUMENT', `invalid label: ${problems.join('; ')}`);
  return l;
}

/** `dev.shadow.v1.Label` on topic `shadow.labels.v1`. */
export const labelContract: RecordContract<Label> = defineRecordContract({
  schema: schemas.label,
  toAvro: labelToAvro,
  fromAvro: labelFromAvro,
});
