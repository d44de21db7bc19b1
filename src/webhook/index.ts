export type { BackoffOptions } from './backoff.js';
export { newClientState } from './client-state.js';
export type { ManagerStats } from './drive-subscription.js';
export { MAX_LIFETIME_MS, SubscriptionManager, type SubscriptionManagerOptions } from './manager.js';
export { WebhookReceiver, type WebhookReceiverOptions } from './receiver.js';
export { isGone, type SubscriptionApi, type SubscriptionResult } from './subscription-api.js';
export type {
  ChangeNotice,
  DeliveryMode,
  LifecycleEvent,
  LifecycleNotice,
  ModeChange,
  ReceiverStats,
  Wake,
  WakeReason,
  WebhookLog,
} from './types.js';
