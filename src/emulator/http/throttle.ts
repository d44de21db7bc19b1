export interface ThrottleOptions {
  /** Resource units per tenant per rolling window (SharePoint: 1,200–6,000 per app per minute). */
  unitsPerWindow?: number;
  windowMs?: number;
  /** Share of the budget from which RateLimit-* headers are sent. */
  warnRatio?: number;
  /** Budgets for particular tenants, overriding unitsPerWindow. */
  perTenant?: Record<string, number>;
  /** Turn budgeting off entirely (benchmarks of other parts). */
  disabled?: boolean;
}

export interface ChargeResult {
  allowed: boolean;
  /** Whole seconds until enough of the budget frees for this request (only when refused). */
  retryAfterSec?: number;
  /** RateLimit-Limit/-Remaining/-Reset once usage crosses warnRatio (also on refusals). */
  headers: Record<string, string>;
}

interface Charge {
  at: number;
  cost: number;
}

interface TenantWindow {
  charges: Charge[];
  /** Index of the oldest charge still inside the window (avoids shifting the array). */
  head: number;
  used: number;
}

const DEFAULTS = { unitsPerWindow: 6000, windowMs: 60_000, warnRatio: 0.8 };

/**
 * A rolling-window resource-unit budget per tenant. Refused requests are charged too, as on
 * SharePoint: a client that keeps hammering while throttled stays throttled.
 */
export class ResourceBudget {
  private options: Required<Omit<ThrottleOptions, 'perTenant' | 'disabled'>> & ThrottleOptions;
  private readonly tenants = new Map<string, TenantWindow>();

  constructor(
    options: ThrottleOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  configure(partial: ThrottleOptions): void {
    this.options = { ...this.options, ...partial };
  }

  limitFor(tenant: string): number {
    return this.options.perTenant?.[tenant] ?? this.options.unitsPerWindow;
  }

  usage(tenant: string): number {
    const w = this.tenants.get(tenant);
    if (!w) return 0;
    this.expire(w, this.now());
    return w.used;
  }

  charge(tenant: string, cost: number): ChargeResult {
    if (this.options.disabled || cost <= 0) return { allowed: true, headers: {} };
    const now = this.now();
    const w = this.window(tenant, now);
    const limit = this.limitFor(tenant);
    const allowed = w.used + cost <= limit;
    w.charges.push({ at: now, cost });
    w.used += cost;
    const retryAfterSec = allowed ? undefined : this.secondsUntilFits(w, limit, cost, now);
    return { allowed, retryAfterSec, headers: this.rateLimitHeaders(w, limit, now) };
  }

  reset(tenant?: string): void {
    if (tenant === undefined) this.tenants.clear();
    else this.tenants.delete(tenant);
  }

  private window(tenant: string, now: number): TenantWindow {
    const w = this.tenants.get(tenant) ?? { charges: [], head: 0, used: 0 };
    this.tenants.set(tenant, w);
    this.expire(w, now);
    return w;
  }

  private expire(w: TenantWindow, now: number): void {
    const horizon = now - this.options.windowMs;
    while (w.head < w.charges.length && w.charges[w.head]!.at <= horizon) {
      w.used -= w.charges[w.head]!.cost;
      w.head += 1;
    }
    if (w.head > 1024 && w.head * 2 > w.charges.length) {
      w.charges = w.charges.slice(w.head);
      w.head = 0;
    }
  }

  /**
   * Walks the oldest charges until their expiry leaves room for one more `cost`. The refused
   * charge is already counted, so a client that waits exactly this long gets through.
   */
  private secondsUntilFits(w: TenantWindow, limit: number, cost: number, now: number): number {
    let used = w.used;
    for (let i = w.head; i < w.charges.length; i++) {
      const c = w.charges[i]!;
      used -= c.cost;
      if (used + cost <= limit) return Math.max(1, Math.ceil((c.at + this.options.windowMs - now) / 1000));
    }
    return Math.ceil(this.options.windowMs / 1000);
  }

  /** RateLimit-Reset: seconds until the newest counted charge leaves the window, i.e. a full budget. */
  private rateLimitHeaders(w: TenantWindow, limit: number, now: number): Record<string, string> {
    if (w.used < limit * this.options.warnRatio) return {};
    const newest = w.charges[w.charges.length - 1]!;
    return {
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': String(Math.max(0, limit - w.used)),
      'RateLimit-Reset': String(Math.max(1, Math.ceil((newest.at + this.options.windowMs - now) / 1000))),
    };
  }
}
