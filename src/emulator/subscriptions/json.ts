import type { LifecycleEvent, Subscription } from './types.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Graph's subscription resource, nulls included: clients see the same keys as from Graph. */
export function subscriptionJson(sub: Subscription): Record<string, unknown> {
  return {
    id: sub.id,
    resource: sub.resource,
    applicationId: sub.applicationId ?? null,
    changeType: sub.changeType,
    clientState: sub.clientState ?? null,
    notificationUrl: sub.notificationUrl,
    notificationQueryOptions: null,
    lifecycleNotificationUrl: sub.lifecycleNotificationUrl ?? null,
    expirationDateTime: iso(sub.expiresAt),
    creatorId: sub.creatorId ?? null,
    includeResourceData: null,
    latestSupportedTlsVersion: 'v1_2',
    encryptionCertificate: null,
    encryptionCertificateId: null,
    notificationUrlAppId: null,
  };
}

/** One entry of a change notification. Drives get a shoulder tap only: no resourceData. */
export function changeNotification(sub: Subscription): Record<string, unknown> {
  return {
    subscriptionId: sub.id,
    subscriptionExpirationDateTime: iso(sub.expiresAt),
    changeType: sub.changeType,
    resource: sub.resource,
    clientState: sub.clientState ?? null,
    tenantId: sub.tenantId,
  };
}

export function lifecycleNotification(sub: Subscription, event: LifecycleEvent): Record<string, unknown> {
  return {
    subscriptionId: sub.id,
    subscriptionExpirationDateTime: iso(sub.expiresAt),
    tenantId: sub.tenantId,
    clientState: sub.clientState ?? null,
    lifecycleEvent: event,
  };
}
