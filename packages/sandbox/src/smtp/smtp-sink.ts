/**
 * An SMTP server that accepts every message and delivers none. One per challenger, so the port a
 * message arrives on names the challenger, the same way the HTTP listeners do. No TLS is offered
 * (STARTTLS is disabled: a challenger must not require TLS for its mail relay in shadow), and AUTH
 * is optional and always succeeds, so a client configured with credentials works unchanged.
 */
import { SMTPServer } from 'smtp-server';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface CapturedMessage {
  /** The first `maxBytes` bytes of the message (headers first). */
  readonly head: Buffer;
  /** Whole message size in bytes. */
  readonly size: number;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly startedAtMs: number;
  readonly startedAtNs: bigint;
}

export const SMTP_ACCEPTED = 'Message captured by the shadow sandbox, not delivered';

export class SmtpSink {
  readonly #server: SMTPServer;
  readonly #maxBytes: number;
  #port = 0;

  constructor(maxBytes: number, onMessage: (message: CapturedMessage) => void, onError: (error: Error) => void) {
    this.#maxBytes = maxBytes;
    this.#server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      banner: 'shadow sandbox SMTP sink (nothing is delivered)',
      logger: false,
      // Every mechanism nodemailer may pick is accepted; the credentials are not checked or kept.
      authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'],
      onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'shadow' }),
      onData: (stream, session, callback) => this.#receive(stream, session, onMessage, callback),
    });
    this.#server.on('error', onError);
  }

  get port(): number {
    return this.#port;
  }

  async listen(port: number, host: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const server = this.#server.server;
      const onError = (error: Error): void => reject(error);
      server.once('error', onError);
      this.#server.listen(port, host, () => {
        server.off('error', onError);
        this.#port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    // smtp-server waits for open sessions to end (up to its closeTimeout); end them now.
    for (const connection of this.#server.connections) (connection as { close?: () => void }).close?.();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #receive(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    onMessage: (m: CapturedMessage) => void,
    callback: (err?: Error | null, message?: string) => void,
  ): void {
    const startedAtMs = Date.now();
    const startedAtNs = process.hrtime.bigint();
    const chunks: Buffer[] = [];
    let kept = 0;
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (kept < this.#maxBytes) {
        const part = chunk.subarray(0, this.#maxBytes - kept);
        chunks.push(part);
        kept += part.length;
      }
    });
    stream.on('error', (error: Error) => callback(error));
    stream.on('end', () => {
      const envelope = session.envelope;
      onMessage({
        head: Buffer.concat(chunks),
        size,
        mailFrom: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
        rcptTo: envelope.rcptTo.map((r) => r.address),
        startedAtMs,
        startedAtNs,
      });
      callback(null, SMTP_ACCEPTED);
    });
  }
}
