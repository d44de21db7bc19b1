import type { Subscription } from '@microsoft/microsoft-graph-types';
import { GraphRequestError } from '../errors.js';
import type { GraphTransport } from './transport.js';

export interface SubscriptionRequest {
  /** `/drives/{id}/root` (drives accept only the root, only `updated`). */
  resource: string;
  notificationUrl: string;
  expirationDateTime: Date | string;
  /** Echoed in every notification; verify it there. */
  clientState: string;
  changeType?: string;
  lifecycleNotificationUrl?: string;
}

function iso(d: Date | string): string {
  return typeof d === 'string' ? d : d.toISOString();
}

/** Not resent after a lost connection: a second POST could leave two live subscriptions. */
export function createSubscription(graph: GraphTransport, sub: SubscriptionRequest): Promise<Subscription> {
  return graph.request<Subscription>('POST', '/subscriptions', {
    body: {
      changeType: sub.changeType ?? 'updated',
      notificationUrl: sub.notificationUrl,
      resource: sub.resource,
      expirationDateTime: iso(sub.expirationDateTime),
      clientState: sub.clientState,
      ...(sub.lifecycleNotificationUrl ? { lifecycleNotificationUrl: sub.lifecycleNotificationUrl } : {}),
    },
  });
}

/** A 404 means the subscription is gone: create a new one. */
export function renewSubscription(
  graph: GraphTransport,
  id: string,
  expirationDateTime: Date | string,
): Promise<Subscription> {
  return graph.request<Subscription>('PATCH', `/subscriptions/${encodeURIComponent(id)}`, {
    body: { expirationDateTime: iso(expirationDateTime) },
    idempotent: true,
  });
}

/** Already gone (404) counts as deleted. */
export async function deleteSubscription(graph: GraphTransport, id: string): Promise<void> {
  try {
    await graph.request<void>('DELETE', `/subscriptions/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof GraphRequestError && err.status === 404) return;
    throw err;
  }
}
