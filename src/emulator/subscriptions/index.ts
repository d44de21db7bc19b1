export { subscriptionJson } from './json.js';
export { MAX_LIFETIME_MINUTES } from './limits.js';
export type { CaOption } from './outbound.js';
export { type Caller, SubscriptionService, type SubscriptionServiceOptions } from './service.js';
export type {
  DeliveryStats,
  LifecycleEvent,
  NotificationFaults,
  RetryPolicy,
  Subscription,
} from './types.js';
