import { sleep } from './sleep.js';

export interface ThrottleGateOptions {
  /** Longest pause one Retry-After may impose, against a broken or hostile header (default 10 min). */
  maxPauseMs?: number;
  now?: () => number;
}

/**
 * One tenant's throttle state. Graph throttles per app per tenant and counts requests made while
 * throttled, so after a 429/503 with Retry-After every request of the tenant waits, not just the
 * one that was refused. Requests check the gate right before they are sent.
 */
export class ThrottleGate {
  private until = 0;
  private readonly maxPauseMs: number;
  private readonly now: () => number;
  /** Pauses started or extended, for telemetry and tests. */
  pauses = 0;

  constructor(opts: ThrottleGateOptions = {}) {
    this.maxPauseMs = opts.maxPauseMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Closes the gate for `ms` from now, or keeps a later end already set. True if the end moved. */
  pause(ms: number): boolean {
    const until = this.now() + Math.min(Math.max(0, ms), this.maxPauseMs);
    if (until <= this.until) return false;
    this.until = until;
    this.pauses += 1;
    return true;
  }

  /** Epoch ms the gate opens again (in the past when open). */
  pausedUntil(): number {
    return this.until;
  }

  /** Undefined when open (no promise on the hot path); otherwise resolves once the pause is over. */
  wait(signal?: AbortSignal): Promise<void> | undefined {
    if (this.now() >= this.until) return undefined;
    return this.waitOut(signal);
  }

  private async waitOut(signal: AbortSignal | undefined): Promise<void> {
    // A pause can be extended while we sleep; look again after each one.
    for (let left = this.until - this.now(); left > 0; left = this.until - this.now())
      await sleep(left, signal);
  }
}
