import type { NotificationFaults } from '../http/faults.js';

/** The fault plan's notification settings, as the deliverer reads them. */
export type { NotificationFaults };

/** A driveItem subscription as the emulator keeps it; `subscriptionJson` renders Graph's shape. */
export interface Subscription {
  id: string;
  tenantId: string;
  driveId: string;
  /** As the client gave it: notifications echo it back verbatim. */
  resource: string;
  changeType: 'updated';
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  /** Epoch ms; the subscription is gone from this instant on. */
  expiresAt: number;
  applicationId?: string;
  creatorId?: string;
  /** The expiry for which `reauthorizationRequired` was already sent, so each expiry gets one. */
  reauthorizationSentFor?: number;
}

export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

export const noFaults: NotificationFaults = { pDrop: 0, pDuplicate: 0, delayMs: 0 };

export interface RetryPolicy {
  /** Wait before the first retry; doubled for each further one. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A POST that still fails this long after its first attempt is abandoned. */
  giveUpAfterMs: number;
}

/** Counters for tests and the control API. One "POST" is one batch; attempts count HTTP requests. */
export interface DeliveryStats {
  /** Change-notification POSTs produced by the notifier (before faults). */
  notifications: number;
  /** Lifecycle-notification POSTs produced. */
  lifecycle: number;
  /** HTTP attempts made, first tries and retries alike. */
  sent: number;
  /** Attempts answered 2xx in time. */
  delivered: number;
  /** Attempts that failed: non-2xx, timeout, connection error. */
  failed: number;
  /** Attempts that were retries. */
  retried: number;
  /** POSTs abandoned after the retry window. */
  gaveUp: number;
  /** POSTs the fault plan dropped. */
  dropped: number;
  /** POSTs the fault plan sent twice. */
  duplicated: number;
  /** POSTs the fault plan delayed. */
  delayed: number;
}

export function emptyStats(): DeliveryStats {
  return {
    notifications: 0,
    lifecycle: 0,
    sent: 0,
    delivered: 0,
    failed: 0,
    retried: 0,
    gaveUp: 0,
    dropped: 0,
    duplicated: 0,
    delayed: 0,
  };
}
