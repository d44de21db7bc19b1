import type { OutboundHttp } from './outbound.js';
import type { Timers } from './timers.js';
import type { DeliveryStats, NotificationFaults, RetryPolicy } from './types.js';

export interface DeliveryOptions {
  http: OutboundHttp;
  timers: Timers;
  stats: DeliveryStats;
  /** The receiver must answer 2xx within this long (Graph: 3 s). */
  timeoutMs: number;
  retry: RetryPolicy;
  faults: () => NotificationFaults;
  random: () => number;
  now: () => number;
}

export interface PostOptions {
  /** Lifecycle notifications are not subject to the fault plan: the control API sends them on purpose. */
  applyFaults: boolean;
  /** Called once when the POST is abandoned after the retry window. */
  onGiveUp?: () => void;
}

/** Sends notification POSTs with Graph's contract: 2xx in time or retried with backoff, then abandoned. */
export class Deliverer {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: DeliveryOptions) {}

  post(url: string, payload: unknown, opts: PostOptions): void {
    if (this.o.timers.isClosed) return;
    const body = JSON.stringify(payload);
    let copies = 1;
    let delay = () => 0;
    if (opts.applyFaults) {
      const f = this.o.faults();
      if (this.o.random() < f.pDrop) {
        this.o.stats.dropped++;
        return;
      }
      if (this.o.random() < f.pDuplicate) {
        this.o.stats.duplicated++;
        copies = 2;
      }
      if (f.delayMs > 0) {
        this.o.stats.delayed++;
        delay = () => f.delayMs + this.o.random() * f.delayMs;
      }
    }
    for (let i = 0; i < copies; i++) this.track(this.run(url, body, delay(), opts));
  }

  /** Resolves when every POST started so far has been delivered, abandoned or cancelled. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async run(url: string, body: string, delayMs: number, opts: PostOptions): Promise<void> {
    const { timers, stats, retry } = this.o;
    if (delayMs > 0 && !(await timers.sleep(delayMs))) return;
    const started = this.o.now();
    for (let attempt = 0; ; attempt++) {
      if (timers.isClosed) return;
      stats.sent++;
      if (attempt > 0) stats.retried++;
      if (await this.attempt(url, body)) {
        stats.delivered++;
        return;
      }
      if (timers.isClosed) return;
      stats.failed++;
      const wait = Math.min(retry.initialDelayMs * 2 ** attempt, retry.maxDelayMs);
      if (this.o.now() + wait - started > retry.giveUpAfterMs) {
        stats.gaveUp++;
        opts.onGiveUp?.();
        return;
      }
      if (!(await timers.sleep(wait))) return;
    }
  }

  private async attempt(url: string, body: string): Promise<boolean> {
    try {
      const res = await this.o.http.post(url, body, 'application/json; charset=utf-8', this.o.timeoutMs);
      return res.status >= 200 && res.status < 300;
    } catch {
      return false;
    }
  }
}
