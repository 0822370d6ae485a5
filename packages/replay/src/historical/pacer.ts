// `Nx` pacing: exchange i is dispatched at t0 + (captureTimeMs_i - origin) / N on one clock shared by
// every partition. Each partition waits for its own next exchange's slot, so inter-arrival times are
// kept across partitions without merging them into one stream. The origin is the first exchange seen
// (not the window start, which may precede the first exchange by a long idle gap). An exchange whose
// slot has passed (the replayer fell behind) goes at once; `lateness` reports how far behind.
export class Pacer {
  readonly speed: number;
  #origin: number | undefined;
  #t0 = 0;
  #maxLatenessMs = 0;

  constructor(speed: number) {
    this.speed = speed;
  }

  get maxLatenessMs(): number {
    return this.#maxLatenessMs;
  }

  /** Milliseconds to wait before dispatching an exchange captured at `captureTimeMs` (0 = now). */
  delayFor(captureTimeMs: number, now = performance.now()): number {
    if (this.#origin === undefined) {
      this.#origin = captureTimeMs;
      this.#t0 = now;
    }
    const due = this.#t0 + (captureTimeMs - this.#origin) / this.speed;
    const delay = due - now;
    if (delay < 0) this.#maxLatenessMs = Math.max(this.#maxLatenessMs, -delay);
    return Math.max(0, delay);
  }

  /** Waits for the exchange's slot; an abort (interrupt) ends the wait at once (a long idle gap must not delay it). */
  async wait(captureTimeMs: number, signal?: AbortSignal): Promise<void> {
    const delay = this.delayFor(captureTimeMs);
    if (delay < 1 || signal?.aborted === true) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, delay);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
