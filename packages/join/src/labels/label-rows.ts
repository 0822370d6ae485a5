import { labelValueText } from '@shadow/contracts';
import type { Label } from '@shadow/contracts';
import type { LabelRow } from './types.js';

/** The `labels` row of a decoded, valid label. */
export function labelRow(label: Label, landedMs: number): LabelRow {
  return {
    exchange_id: label.exchangeId,
    name: label.name,
    value: labelValueText(label.value),
    value_type: typeof label.value === 'number' ? 'number' : typeof label.value === 'boolean' ? 'boolean' : 'string',
    observed_time: label.observedTimeMs,
    landed_time: landedMs,
    source: label.source,
  };
}
