// A ring buffer bounded by record count AND by bytes (body sizes dominate, so a count bound alone
// would let a burst of large bodies grow the process without limit).
//
// Records taken for sending stay charged against both bounds until their batch is settled
// (`release`), so the bound covers everything the transport holds: queued plus in flight.
// Every operation on the offer path is O(1) and allocation-free; the slot array is allocated once.

export interface Batch<T> {
  readonly items: T[];
  /** Sum of the items' estimated sizes, as charged against the byte bound. */
  readonly bytes: number;
}

export class BoundedQueue<T> {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly #items: (T | undefined)[];
  readonly #sizes: Float64Array;
  #head = 0;
  #length = 0;
  #queuedBytes = 0;
  #chargedCount = 0;
  #chargedBytes = 0;

  constructor(maxRecords: number, maxBytes: number) {
    this.maxRecords = maxRecords;
    this.maxBytes = maxBytes;
    this.#items = new Array<T | undefined>(maxRecords).fill(undefined);
    this.#sizes = new Float64Array(maxRecords);
  }

  /** Records waiting to be taken. */
  get length(): number {
    return this.#length;
  }

  /** Estimated bytes of the records waiting to be taken. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Records held: waiting plus taken but not yet released. */
  get chargedCount(): number {
    return this.#chargedCount;
  }

  /** Estimated bytes held: waiting plus taken but not yet released. */
  get chargedBytes(): number {
    return this.#chargedBytes;
  }

  /** Whether a record of `size` bytes would be accepted now. O(1). */
  hasRoom(size: number): boolean {
    return this.#chargedCount < this.maxRecords && this.#chargedBytes + size <= this.maxBytes;
  }

  /** Adds a record unless either bound would be exceeded. O(1). */
  push(item: T, size: number): boolean {
    if (!this.hasRoom(size)) return false;
    const tail = (this.#head + this.#length) % this.maxRecords;
    this.#items[tail] = item;
    this.#sizes[tail] = size;
    this.#length++;
    this.#queuedBytes += size;
    this.#chargedCount++;
    this.#chargedBytes += size;
    return true;
  }

  /**
   * Takes the oldest records up to `maxRecords` and `maxBytes` (always at least one record, so an
   * item larger than `maxBytes` still moves). They stay charged until release(batch).
   */
  take(maxRecords: number, maxBytes: number): Batch<T> {
    const items: T[] = [];
    let bytes = 0;
    while (this.#length > 0 && items.length < maxRecords) {
      const size = this.#sizes[this.#head] as number;
      if (items.length > 0 && bytes + size > maxBytes) break;
      items.push(this.#items[this.#head] as T);
      this.#items[this.#head] = undefined; // let the record be collected once its batch is done
      this.#head = (this.#head + 1) % this.maxRecords;
      this.#length--;
      this.#queuedBytes -= size;
      bytes += size;
    }
    return { items, bytes };
  }

  /** Un-charges a settled batch (sent, failed or dropped). */
  release(batch: Batch<T>): void {
    this.#chargedCount -= batch.items.length;
    this.#chargedBytes -= batch.bytes;
  }

  /** Takes and releases everything waiting; returns how many records were discarded. */
  clear(): number {
    const { items, bytes } = this.take(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    this.release({ items, bytes });
    return items.length;
  }
}
