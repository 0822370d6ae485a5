// The ordering option: requests that share an ordering key are sent one after the other, in the
// order they were handed to the sequencer (capture order: offset order within a partition, capture
// time across partitions in a historical replay); different keys run concurrently. Each challenger
// has its own sequencer, so a slow candidate does not hold the secondary back.
//
// The chain for a key is dropped when its last task settles, so memory is bounded by the keys in
// flight, not by the keys ever seen.
export class KeySequencer {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `task` after every earlier task of the same key settled; null key = no ordering. */
  run<T>(key: string | null, task: () => Promise<T>): Promise<T> {
    if (key === null) return task();
    const previous = this.#tails.get(key);
    const next = previous === undefined ? task() : previous.then(task, task);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }

  get keysInFlight(): number {
    return this.#tails.size;
  }
}

/** How an exchange's ordering key is derived. */
export type OrderingOptions =
  | { mode: 'none' }
  /** Every request of the stream in capture order (one key). */
  | { mode: 'all' }
  /** Requests with the same value of this (lower-case) request header; without the header, unordered. */
  | { mode: 'header'; header: string };

export function orderingKeyOf(ordering: OrderingOptions, requestHeaders: Record<string, string[]>): string | null {
  switch (ordering.mode) {
    case 'none':
      return null;
    case 'all':
      return '*';
    case 'header': {
      const value = requestHeaders[ordering.header]?.[0];
      return value === undefined || value === '' ? null : `h:${value}`;
    }
  }
}

/** Parses `none`, `all` or `header:<name>` (the CLI and config form). */
export function parseOrdering(text: string): OrderingOptions | null {
  const t = text.trim();
  if (t === 'none' || t === '') return { mode: 'none' };
  if (t === 'all') return { mode: 'all' };
  const m = /^header:([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/.exec(t);
  return m === null ? null : { mode: 'header', header: (m[1] as string).toLowerCase() };
}
