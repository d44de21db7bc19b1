import type { Context } from '@microsoft/microsoft-graph-client';
import { callInfo } from '../call-options.js';
import { parseRetryAfter } from '../retry-after.js';
import type { TenantState } from '../tenant.js';
import { Link } from './link.js';
import { graphMetrics } from './telemetry.js';

/** Bounds the tenant's requests on the wire. Waits below (budget, pause) hold a slot: the tenant is stalled then anyway. */
export class ConcurrencyMiddleware extends Link {
  constructor(private readonly tenant: TenantState) {
    super();
  }

  execute(context: Context): Promise<void> {
    return this.tenant.limit(() => this.next.execute(context));
  }
}

/** Reserves the request's resource units, charged when it is over; spaces or holds it when the tenant's budget runs low. */
export class BudgetMiddleware extends Link {
  constructor(private readonly tenant: TenantState) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const budget = this.tenant.budget;
    if (!budget) return this.next.execute(context);
    const info = callInfo(context);
    const wait = budget.acquire(info.cost, info.signal);
    if (wait) await wait;
    try {
      await this.next.execute(context);
    } finally {
      budget.settle(info.cost);
    }
  }
}

/**
 * Last stop before the wire: waits out a tenant-wide pause, and starts one when a response says
 * 429/503 with Retry-After. Sitting innermost means no request, however long it queued above,
 * goes out while the tenant is paused.
 */
export class ThrottleGateMiddleware extends Link {
  constructor(private readonly tenant: TenantState) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const info = callInfo(context);
    const wait = this.tenant.gate.wait(info.signal);
    if (wait) await wait;
    await this.next.execute(context);
    const res = Link.response(context);
    if (res.status !== 429 && res.status !== 503) return;
    const ms = parseRetryAfter(res.headers.get('retry-after'));
    if (ms !== undefined && this.tenant.gate.pause(ms)) {
      graphMetrics().pauses.add(1, { 'http.response.status_code': res.status });
    }
  }
}
