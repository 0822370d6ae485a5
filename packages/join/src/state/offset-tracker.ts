// Which offset of one topic-partition may be committed. Records are added in offset order as they
// are consumed and marked done when nothing depends on them any more (their pair is in ClickHouse,
// or they were dropped). The committable offset is the first record not yet done: everything below
// it is landed, so a restart from it re-reads every record an open entry or an unacknowledged batch
// still needs, and nothing else is lost.

/** One consumed record; `done` flips once its data is durable or irrelevant. */
export interface OffsetSlot {
  readonly offset: number;
  done: boolean;
}

export class PartitionOffsets {
  #slots: OffsetSlot[] = [];
  #head = 0;
  /** Offset after the last record added; undefined before the first. */
  #next: number | undefined;

  add(offset: number, done = false): OffsetSlot {
    const slot: OffsetSlot = { offset, done };
    this.#slots.push(slot);
    this.#next = offset + 1;
    return slot;
  }

  /** The offset to commit (the next record a restart must read), or undefined before any record. */
  committable(): number | undefined {
    const slots = this.#slots;
    while (this.#head < slots.length && (slots[this.#head] as OffsetSlot).done) this.#head++;
    if (this.#head > 4096 && this.#head * 2 > slots.length) {
      this.#slots = slots.slice(this.#head);
      this.#head = 0;
    }
    const first = this.#slots[this.#head];
    return first !== undefined ? first.offset : this.#next;
  }

  /** Records added and not yet done (an upper bound: done records behind the head are not counted). */
  get pending(): number {
    return this.#slots.length - this.#head;
  }
}
