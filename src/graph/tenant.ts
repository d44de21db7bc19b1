import pLimit, { type LimitFunction } from 'p-limit';
import { type BudgetOptions, RequestBudget } from './budget.js';
import { ThrottleGate, type ThrottleGateOptions } from './throttle-gate.js';

export interface TenantStateOptions {
  /** Requests of the tenant on the wire at once (default 16). */
  concurrency?: number;
  /** Client-side resource-unit budget; false turns it off. */
  budget?: BudgetOptions | false;
  gate?: ThrottleGateOptions;
}

/**
 * What all Graph calls of one tenant share, whichever client or drive they come from: Graph
 * throttles per app per tenant, so the pause, the budget and the concurrency bound must be one.
 */
export class TenantState {
  readonly gate: ThrottleGate;
  readonly budget: RequestBudget | undefined;
  readonly limit: LimitFunction;

  constructor(
    readonly tenantId: string,
    opts: TenantStateOptions = {},
  ) {
    this.gate = new ThrottleGate(opts.gate);
    this.budget = opts.budget === false ? undefined : new RequestBudget(opts.budget);
    this.limit = pLimit(opts.concurrency ?? 16);
  }
}

const shared = new Map<string, TenantState>();

/** The process-wide state of a tenant; `opts` only matter to the first caller. */
export function sharedTenantState(tenantId: string, opts?: TenantStateOptions): TenantState {
  let state = shared.get(tenantId);
  if (!state) {
    state = new TenantState(tenantId, opts);
    shared.set(tenantId, state);
  }
  return state;
}
