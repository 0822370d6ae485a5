// The one answer format every judge must give: {"verdict": "equal"|"different", "score"?: number,
// "reason"?: string}. Strict: anything else (another verdict, a string score, an extra field, text
// around the JSON) is refused with the reason, and the pair gets verdict `error`. A judge that
// answers something we do not understand must not be read as a verdict either way.

export const JUDGE_VERDICTS = ['equal', 'different'] as const;
export type AnswerVerdict = (typeof JUDGE_VERDICTS)[number];

/** Reasons longer than this are cut (with `…`): they land in a ClickHouse column. */
export const MAX_REASON_CHARS = 1000;

export interface ParsedVerdict {
  readonly verdict: AnswerVerdict;
  readonly score: number | null;
  readonly reason: string | null;
}

export type VerdictParse = { readonly ok: true; readonly value: ParsedVerdict } | { readonly ok: false; readonly why: string };

const FIELDS = ['verdict', 'score', 'reason'];

/** Validates an already-parsed JSON answer. `null` score/reason count as absent. */
export function parseVerdict(answer: unknown): VerdictParse {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
    return { ok: false, why: `expected a JSON object {"verdict", "score"?, "reason"?}, got ${kindOf(answer)}` };
  }
  const record = answer as Record<string, unknown>;
  const extra = Object.keys(record).filter((k) => !FIELDS.includes(k));
  if (extra.length > 0)
    return {
      ok: false,
      why: `unexpected field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')} (accepted: verdict, score, reason)`,
    };
  const { verdict, score, reason } = record;
  if (verdict !== 'equal' && verdict !== 'different') {
    return { ok: false, why: `"verdict" must be "equal" or "different", got ${verdict === undefined ? 'nothing' : excerpt(JSON.stringify(verdict))}` };
  }
  if (score !== undefined && score !== null && (typeof score !== 'number' || !Number.isFinite(score))) {
    return { ok: false, why: `"score" must be a finite number, got ${excerpt(JSON.stringify(score))}` };
  }
  if (reason !== undefined && reason !== null && typeof reason !== 'string') {
    return { ok: false, why: `"reason" must be a string, got ${kindOf(reason)}` };
  }
  return {
    ok: true,
    value: {
      verdict,
      score: typeof score === 'number' ? score : null,
      reason: typeof reason === 'string' ? cut(reason, MAX_REASON_CHARS) : null,
    },
  };
}

/** Parses text that must be exactly one JSON object (whitespace around it allowed), then validates it. */
export function parseVerdictText(text: string): VerdictParse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, why: `not JSON (${(error as Error).message}): ${excerpt(JSON.stringify(text))}` };
  }
  return parseVerdict(parsed);
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${excerpt(JSON.stringify(value) ?? String(value))}`;
}

export function excerpt(text: string, max = 120): string {
  return cut(text, max);
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
