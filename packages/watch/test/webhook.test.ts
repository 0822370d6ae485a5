// postWebhook against a real HTTP receiver: what is retried (network errors, timeouts, 429, 5xx),
// what is final (other statuses), and that closing cuts the pauses between retries short.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postWebhook, type WebhookConfig } from '@shadow/watch';

const servers: Server[] = [];

async function receiver(answers: (number | 'hang')[]): Promise<{ url: string; bodies: string[] }> {
  const bodies: string[] = [];
  let i = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      const answer = answers[Math.min(i++, answers.length - 1)];
      if (answer === 'hang') return;
      res.writeHead(answer as number).end('{"ok":true}');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((resolve) => {
          s.closeAllConnections();
          s.close(resolve);
        }),
    ),
  );
});

const config = (url: string, over: Partial<WebhookConfig> = {}): WebhookConfig => ({ url, timeoutMs: 300, retries: 3, backoffMs: 10, headers: {}, ...over });

describe('postWebhook (real HTTP)', () => {
  it('retries 5xx, 429 and a timeout, then delivers the same JSON body', async () => {
    const r = await receiver([500, 429, 'hang', 200]);
    const outcome = await postWebhook(config(r.url), { 'x-team': 'payments' }, { alert: 'a', state: 'firing' });
    expect(outcome).toEqual({ ok: true, attempts: 4, status: 200 });
    expect(r.bodies).toEqual(Array(4).fill('{"alert":"a","state":"firing"}'));
  });

  it('a 4xx other than 429 is final; running out of retries reports the last error', async () => {
    const refused = await receiver([400]);
    expect(await postWebhook(config(refused.url), {}, {})).toEqual({ ok: false, attempts: 1, status: 400, error: 'HTTP 400 (not retried)' });
    const down = await receiver([503]);
    expect(await postWebhook(config(down.url, { retries: 2 }), {}, {})).toEqual({ ok: false, attempts: 3, status: 503, error: 'HTTP 503' });
    const nobody = await postWebhook(config('http://127.0.0.1:1/hook', { retries: 1 }), {}, {});
    expect(nobody).toMatchObject({ ok: false, attempts: 2 });
    expect(nobody.error).toMatch(/ECONNREFUSED|connect/);
  });

  it('closing (the signal) ends the wait between retries', async () => {
    const down = await receiver([503]);
    const closing = new AbortController();
    const pending = postWebhook(config(down.url, { retries: 5, backoffMs: 60_000 }), {}, {}, { signal: closing.signal });
    await new Promise((r) => setTimeout(r, 200));
    closing.abort();
    expect(await pending).toEqual({ ok: false, attempts: 1, status: 503, error: 'abandoned (closing) after: HTTP 503' });
  });
});
