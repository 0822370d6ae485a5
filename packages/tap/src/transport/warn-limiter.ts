// Drops and send failures can happen thousands of times per second while Kafka is down; logging
// each would hurt the application more than the outage. Counts are aggregated and logged at most
// once per interval, with the totals since the previous warning.
import type { TransportLogger } from './options.js';

export class WarnLimiter {
  readonly #logger: TransportLogger;
  readonly #intervalMs: number;
  readonly #message: string;
  #pending = new Map<string, number>();
  #last: string | undefined;
  #lastLogAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(logger: TransportLogger, intervalMs: number, message: string) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#message = message;
  }

  /** Counts `count` occurrences of `kind`; `detail` (e.g. the last error) is logged with them. */
  note(kind: string, count = 1, detail?: string): void {
    this.#pending.set(kind, (this.#pending.get(kind) ?? 0) + count);
    if (detail !== undefined) this.#last = detail;
    if (this.#timer !== undefined) return; // a flush is scheduled: counting is all there is to do
    const now = Date.now();
    if (now - this.#lastLogAt >= this.#intervalMs) {
      this.flush(now);
    } else if (this.#timer === undefined) {
      // Log the tail of a burst too, not only when the next drop happens.
      this.#timer = setTimeout(() => this.flush(), this.#lastLogAt + this.#intervalMs - now);
      this.#timer.unref();
    }
  }

  flush(now = Date.now()): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending.size === 0) return;
    const counts = Object.fromEntries(this.#pending);
    const sinceMs = Number.isFinite(this.#lastLogAt) ? now - this.#lastLogAt : undefined;
    try {
      this.#logger.warn(
        { counts, ...(sinceMs === undefined ? {} : { sinceMs }), ...(this.#last === undefined ? {} : { lastError: this.#last }) },
        this.#message,
      );
    } catch {
      // a throwing logger must not turn a counted drop into an exception on the request path
    }
    this.#pending = new Map();
    this.#last = undefined;
    this.#lastLogAt = now;
  }
}
