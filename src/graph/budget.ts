import { sleep } from './sleep.js';

export interface BudgetOptions {
  /** Rolling window the limits apply to (SharePoint: one minute). */
  windowMs?: number;
  /** Resource units per window never exceeded: a request that would cross it waits for old charges to age out. */
  hardLimit?: number;
  /** From this usage on, requests are spaced at the rate the hard limit sustains (default 80% of it). */
  softLimit?: number;
  /** Added to hard-limit waits against clock granularity (default 20 ms). */
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
 *
 * A request's units are reserved when it is let through and charged when its answer arrives
 * (`settle`). The server charges on arrival, somewhere between the two; dating the charge at the
 * answer means it never leaves the client's window before it leaves the server's, whatever the
 * latency or connection set-up time.
 */
export class RequestBudget {
  readonly windowMs: number;
  readonly hardLimit: number;
  readonly softLimit: number;
  readonly stats: BudgetStats = { delayed: 0, waitedMs: 0 };
  private readonly marginMs: number;
  private readonly now: () => number;
  /** Settled charges, oldest first (appended at settle time, so always in time order). */
  private at: number[] = [];
  private cost: number[] = [];
  private head = 0;
  private charged = 0;
  /** Units of requests let through and not settled yet: they count, and cannot expire. */
  private reserved = 0;
  private lastAt = Number.NEGATIVE_INFINITY;
  private waiting = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(opts: BudgetOptions = {}) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.hardLimit = opts.hardLimit ?? 6000;
    this.softLimit = Math.min(opts.softLimit ?? Math.floor(this.hardLimit * 0.8), this.hardLimit);
    this.marginMs = opts.marginMs ?? 20;
    this.now = opts.now ?? Date.now;
  }

  /** Units counted now: charged within the window plus in flight. */
  usage(): number {
    this.expire(this.now());
    return this.charged + this.reserved;
  }

  /**
   * Reserves `cost` units; undefined when the request may go at once, else resolves when it may.
   * Every reservation that went through must be settled once, when the request is over.
   */
  acquire(cost: number, signal?: AbortSignal): Promise<void> | undefined {
    const units = this.clamp(cost);
    const now = this.now();
    if (this.waiting === 0 && this.delayFor(units, now) <= 0) {
      this.reserve(units, now);
      return undefined;
    }
    this.waiting += 1;
    const turn = this.tail
      .then(() => this.waitTurn(units, signal))
      .finally(() => {
        this.waiting -= 1;
      });
    this.tail = turn.catch(() => {});
    return turn;
  }

  /** The request got its answer (or failed): its units now age out of the window from this moment. */
  settle(cost: number): void {
    const units = this.clamp(cost);
    this.reserved = Math.max(0, this.reserved - units);
    this.at.push(this.now());
    this.cost.push(units);
    this.charged += units;
  }

  private clamp(cost: number): number {
    return Math.min(Math.max(cost, 0), this.hardLimit);
  }

  private async waitTurn(units: number, signal: AbortSignal | undefined): Promise<void> {
    const started = this.now();
    this.stats.delayed += 1;
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      const delay = this.delayFor(units, now);
      if (delay <= 0) {
        this.reserve(units, now);
        this.stats.waitedMs += now - started;
        return;
      }
      await sleep(delay, signal);
    }
  }

  /** How long `units` must wait from `now`: 0, a spacing gap, or until enough charges leave the window. */
  private delayFor(units: number, now: number): number {
    this.expire(now);
    const used = this.charged + this.reserved;
    if (used + units > this.hardLimit) {
      let left = used;
      for (let i = this.head; i < this.at.length; i++) {
        left -= this.cost[i]!;
        if (left + units <= this.hardLimit)
          return Math.max(1, this.at[i]! + this.windowMs - now + this.marginMs);
      }
      // Only in-flight units stand in the way: they settle no earlier than now, so look again a window later at most.
      return this.windowMs;
    }
    if (used + units > this.softLimit) {
      const spacing = (units * this.windowMs) / this.hardLimit;
      return this.lastAt + spacing - now;
    }
    return 0;
  }

  private reserve(units: number, now: number): void {
    this.reserved += units;
    this.lastAt = now;
  }

  private expire(now: number): void {
    const horizon = now - this.windowMs;
    while (this.head < this.at.length && this.at[this.head]! <= horizon) {
      this.charged -= this.cost[this.head]!;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at = this.at.slice(this.head);
      this.cost = this.cost.slice(this.head);
      this.head = 0;
    }
  }
}
