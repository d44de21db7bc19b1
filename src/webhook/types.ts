/** Graph's lifecycle events for change-notification subscriptions. */
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export const LIFECYCLE_EVENTS: readonly LifecycleEvent[] = [
  'reauthorizationRequired',
  'subscriptionRemoved',
  'missed',
];

/** A verified "this drive changed" shoulder tap. Drives carry no detail: the consumer runs delta. */
export interface ChangeNotice {
  subscriptionId: string;
  /** Known when the subscription was registered with a drive (the manager always does). */
  driveId?: string;
  resource: string;
  /** Epoch ms when the POST reached the receiver. */
  receivedAt: number;
}

export interface LifecycleNotice {
  subscriptionId: string;
  driveId?: string;
  event: LifecycleEvent;
  receivedAt: number;
}

/** Counters since start. Per notification (one POST may batch several), except where noted. */
export interface ReceiverStats {
  /** Validation handshakes answered. */
  validations: number;
  /** POSTs to either path other than validation handshakes, whatever their fate. */
  posts: number;
  /** Notifications (both kinds) in those POSTs. */
  received: number;
  /** Change notifications that passed verification and were emitted. */
  accepted: number;
  /** Notifications (either kind) whose clientState did not match their subscription's. */
  rejectedClientState: number;
  /** Notifications (either kind) for a subscription this receiver does not know (stale or forged). */
  unknownSubscription: number;
  /** POSTs answered 400: not JSON, or not a `{ value: [...] }` collection. */
  badJson: number;
  /** POSTs answered 413. */
  tooLarge: number;
  /** Lifecycle notifications that passed verification and were emitted. */
  lifecycle: number;
}

/** pino-compatible, so a pino logger (or src/auth's Log) can be passed as is. */
export interface WebhookLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export type DeliveryMode = 'webhook' | 'polling';

/** Why the manager asks the streams layer to run delta for a drive now. */
export type WakeReason =
  /** A verified change notification arrived. */
  | 'notification'
  /** Graph says it dropped notifications (`missed`). */
  | 'missed'
  /** A subscription was (re)created: changes since the previous one may have gone unnotified. */
  | 'subscribed';

export interface Wake {
  driveId: string;
  reason: WakeReason;
  at: number;
}

export interface ModeChange {
  driveId: string;
  mode: DeliveryMode;
}
