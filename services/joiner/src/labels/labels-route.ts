// `POST /labels` on the joiner's admin port: ground truth over HTTP for teams without a Kafka
// producer at hand. It validates and then produces to the labels topic (acks=all) rather than
// inserting: the topic stays the one source of truth, and the ingester lands it like any label.
// 202 means the labels are on the topic (durable), not yet in ClickHouse.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LABEL_NAME_PATTERN } from '@shadow/contracts';
import type { LabelInput } from '@shadow/join';
import { z } from 'zod';

/** Body size and labels per request beyond which the request is refused (413). */
export const LABELS_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const LABELS_MAX_PER_REQUEST = 10_000;

export const labelBodySchema = z.strictObject({
  exchangeId: z.string().min(1, 'expected a non-empty exchange id'),
  name: z.string().regex(LABEL_NAME_PATTERN, 'expected letters, digits, "_", ".", "-", starting with a letter or "_" (at most 128)'),
  value: z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, a finite number or a boolean' }),
  observedAtMs: z.int().min(0).optional(),
  source: z.string().max(200).optional(),
});

export type LabelBody = z.infer<typeof labelBodySchema>;

/** Field-named problems of a parsed JSON body (`[2].value: ...`), or the labels. */
export function parseLabelsBody(body: unknown): { labels: LabelInput[] } | { problems: string[] } {
  const many = Array.isArray(body);
  const schema = many
    ? z.array(labelBodySchema).min(1, 'expected at least one label').max(LABELS_MAX_PER_REQUEST, `at most ${LABELS_MAX_PER_REQUEST} labels per request`)
    : labelBodySchema;
  const result = schema.safeParse(body);
  if (!result.success) {
    return {
      problems: result.error.issues.map((issue) => {
        const field = issue.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '');
        const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
        return `${field === '' ? '(body)' : field}: ${issue.message}${keys}`;
      }),
    };
  }
  const list: LabelBody[] = many ? (result.data as LabelBody[]) : [result.data as LabelBody];
  return {
    labels: list.map((l) => ({
      exchangeId: l.exchangeId,
      name: l.name,
      value: l.value,
      ...(l.observedAtMs === undefined ? {} : { observedTimeMs: l.observedAtMs }),
      source: l.source ?? 'http',
    })),
  };
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

/** Handles one `POST /labels`; `publish` produces to the labels topic. */
export function handleLabelsPost(req: IncomingMessage, res: ServerResponse, publish: (labels: LabelInput[]) => Promise<{ published: number }>): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > LABELS_MAX_BODY_BYTES) {
      refused = true;
      json(res, 413, { error: `body larger than ${LABELS_MAX_BODY_BYTES} bytes; post fewer labels per request` });
      req.resume();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      json(res, 400, { error: 'body is not JSON', problems: [`(body): ${(err as Error).message}`] });
      return;
    }
    const parsed = parseLabelsBody(body);
    if ('problems' in parsed) {
      json(res, 400, { error: 'invalid label', problems: parsed.problems });
      return;
    }
    publish(parsed.labels).then(
      (r) => json(res, 202, r),
      (err: unknown) => json(res, 503, { error: `labels not published (nothing to undo; retry): ${(err as Error).message}` }),
    );
  });
  req.on('error', () => {
    if (!res.headersSent) json(res, 400, { error: 'request aborted' });
  });
}
