/** A label's value: what the right answer was. Compared with a side's outcome as text. */
export type LabelValue = string | number | boolean;

/**
 * Ground truth about one exchange, arriving after the answer (a chargeback, a click). Avro form:
 * `label.avsc`, topic `shadow.labels.v1`, key = exchange id.
 */
export interface Label {
  /** Id of the CapturedExchange the label is about; the partition key. */
  exchangeId: string;
  /** What is labelled (`fraud`, `clicked`); letters, digits, `_`, `.`, `-`. */
  name: string;
  /** The true value; a number must be finite. */
  value: LabelValue;
  /** When the truth was observed, epoch ms; the latest label per (exchangeId, name) wins. */
  observedTimeMs: number;
  /** Who posted it (`http`, a pipeline name); audit only. */
  source: string;
}

/** Label names: a criteria file refers to them, so they stay identifier-like. */
export const LABEL_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/**
 * The text a label value is compared as: strings as they are, numbers in JavaScript's shortest
 * decimal form (`1`, `0.25`), booleans as `true`/`false` — the forms ClickHouse's JSON_VALUE gives
 * for the same JSON scalar, so a label equals the outcome it labels.
 */
export function labelValueText(value: LabelValue): string {
  return typeof value === 'string' ? value : String(value);
}
