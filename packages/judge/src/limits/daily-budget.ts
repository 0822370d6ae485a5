// A judge's spend per UTC day: HTTP calls (each attempt, retries included: each one may be billed)
// and tokens (as the server reports them in `usage`, known only after the call). A call is refused
// once either limit is reached, so the token limit can be overshot by the calls already in flight
// (at most `concurrency` answers). The counts live in the process: restoreUsage() seeds them (e.g.
// from the day's judged pairs in ClickHouse) so a restart does not grant a second budget.

export interface BudgetLimits {
  readonly callsPerDay: number | null;
  readonly tokensPerDay: number | null;
}

export interface BudgetUsage {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  readonly calls: number;
  readonly tokens: number;
  readonly callsPerDay: number | null;
  readonly tokensPerDay: number | null;
}

const DAY_MS = 86_400_000;

export function utcDayOf(epochMs: number): string {
  return new Date(Math.floor(epochMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

export class DailyBudget {
  readonly #limits: BudgetLimits;
  readonly #now: () => number;
  #day: string;
  #calls = 0;
  #tokens = 0;

  constructor(limits: BudgetLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
    this.#day = utcDayOf(now());
  }

  #roll(): void {
    const day = utcDayOf(this.#now());
    if (day !== this.#day) {
      this.#day = day;
      this.#calls = 0;
      this.#tokens = 0;
    }
  }

  /** Counts one call if today's budget allows it; false when spent. */
  tryCall(): boolean {
    this.#roll();
    const { callsPerDay, tokensPerDay } = this.#limits;
    if (callsPerDay !== null && this.#calls >= callsPerDay) return false;
    if (tokensPerDay !== null && this.#tokens >= tokensPerDay) return false;
    this.#calls++;
    return true;
  }

  addTokens(tokens: number): void {
    this.#roll();
    this.#tokens += tokens;
  }

  /** True when the next tryCall() would be refused. */
  get spent(): boolean {
    this.#roll();
    const { callsPerDay, tokensPerDay } = this.#limits;
    return (callsPerDay !== null && this.#calls >= callsPerDay) || (tokensPerDay !== null && this.#tokens >= tokensPerDay);
  }

  usage(): BudgetUsage {
    this.#roll();
    return { day: this.#day, calls: this.#calls, tokens: this.#tokens, ...this.#limits };
  }

  /** Raises today's counts to what was already spent (another day's usage is ignored). */
  restore(usage: { readonly day: string; readonly calls: number; readonly tokens: number }): void {
    this.#roll();
    if (usage.day !== this.#day) return;
    this.#calls = Math.max(this.#calls, usage.calls);
    this.#tokens = Math.max(this.#tokens, usage.tokens);
  }
}
