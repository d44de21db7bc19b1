import { sleep } from './sleep.js';

export interface BudgetOptions {
  /** Rolling window the limits apply to (SharePoint: one minute). */
  windowMs?: number;
  /** Resource units per window never exceeded: a request that would cross it waits for old charges to age out. */
  hardLimit?: number;
  /** From this usage on, requests are spaced at the rate the hard limit sustains (default 80% of it). */
  softLimit?: number;
  /** Added to hard-limit waits so the server's window has surely moved too (clock and latency skew). */
  marginMs?: number;
  now?: () => number;
}

export interface BudgetStats {
  /** Requests that had to wait (spaced or held at the hard limit). */
  delayed: number;
  /** Total time spent waiting, ms. */
  waitedMs: number;
}

/**
 * The tenant's resource-unit budget as the client sees it, so that a busy mount slows down before
 * SharePoint starts answering 429. Waiting requests are served first come, first served.
 */
export class RequestBudget {
  readonly windowMs: number;
  readonly hardLimit: number;
  readonly softLimit: number;
  readonly stats: BudgetStats = { delayed: 0, waitedMs: 0 };
  private readonly marginMs: number;
  private readonly now: () => number;
  private at: number[] = [];
  private cost: number[] = [];
  private head = 0;
  private used = 0;
  private lastAt = Number.NEGATIVE_INFINITY;
  private waiting = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(opts: BudgetOptions = {}) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.hardLimit = opts.hardLimit ?? 6000;
    this.softLimit = Math.min(opts.softLimit ?? Math.floor(this.hardLimit * 0.8), this.hardLimit);
    this.marginMs = opts.marginMs ?? 50;
    this.now = opts.now ?? Date.now;
  }

  /** Units charged within the current window. */
  usage(): number {
    this.expire(this.now());
    return this.used;
  }

  /** Charges `cost` units; undefined when it went through at once, else resolves when the request may go. */
  acquire(cost: number, signal?: AbortSignal): Promise<void> | undefined {
    const units = Math.min(Math.max(cost, 0), this.hardLimit);
    const now = this.now();
    if (this.waiting === 0 && this.delayFor(units, now) <= 0) {
      this.charge(units, now);
      return undefined;
    }
    this.waiting += 1;
    const turn = this.tail.then(() => this.waitTurn(units, signal)).finally(() => {
      this.waiting -= 1;
    });
    this.tail = turn.catch(() => {});
    return turn;
  }

  private async waitTurn(units: number, signal: AbortSignal | undefined): Promise<void> {
    const started = this.now();
    this.stats.delayed += 1;
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      const delay = this.delayFor(units, now);
      if (delay <= 0) {
        this.charge(units, now);
        this.stats.waitedMs += now - started;
        return;
      }
      await sleep(delay, signal);
    }
  }

  /** How long `units` must wait from `now`: 0, a spacing gap, or until enough charges leave the window. */
  private delayFor(units: number, now: number): number {
    this.expire(now);
    if (this.used + units > this.hardLimit) {
      let used = this.used;
      for (let i = this.head; i < this.at.length; i++) {
        used -= this.cost[i]!;
        if (used + units <= this.hardLimit) return this.at[i]! + this.windowMs - now + this.marginMs;
      }
      return this.windowMs;
    }
    if (this.used + units > this.softLimit) {
      const spacing = (units * this.windowMs) / this.hardLimit;
      return this.lastAt + spacing - now;
    }
    return 0;
  }

  private charge(units: number, now: number): void {
    this.at.push(now);
    this.cost.push(units);
    this.used += units;
    this.lastAt = now;
  }

  private expire(now: number): void {
    const horizon = now - this.windowMs;
    while (this.head < this.at.length && this.at[this.head]! <= horizon) {
      this.used -= this.cost[this.head]!;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at = this.at.slice(this.head);
      this.cost = this.cost.slice(this.head);
      this.head = 0;
    }
  }
}
