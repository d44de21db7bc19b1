export type { DeltaOptions, DeltaPage, DeltaQuery } from './api/delta.js';
export type { CreateFolderOptions, ItemQuery } from './api/items.js';
export type { SubscriptionRequest } from './api/subscriptions.js';
export type { GraphTransport } from './api/transport.js';
export { backoffDelay } from './backoff.js';
export { type BudgetOptions, RequestBudget } from './budget.js';
export { type CallSettings, GraphCallOptions } from './call-options.js';
export {
  GRAPH_BASE_URL,
  GraphClient,
  type GraphClientOptions,
  type Method,
  type RequestOptions,
} from './client.js';
export {
  ClientErrorCode,
  GraphRequestError,
  hasCode,
  isGraphRequestError,
  NO_RESPONSE,
  parseErrorBody,
} from './errors.js';
export type { RetryOptions } from './middleware/retry.js';
export { parseRetryAfter } from './retry-after.js';
export { isGraphApiPath, resourceCost, routeTemplate } from './route.js';
export { sharedTenantState, TenantState, type TenantStateOptions } from './tenant.js';
export { ThrottleGate, type ThrottleGateOptions } from './throttle-gate.js';
export { USER_AGENT, VERSION } from './version.js';
