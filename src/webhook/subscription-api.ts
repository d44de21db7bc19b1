import { isGraphRequestError, type SubscriptionRequest } from '../graph/index.js';

/** What the manager needs from Graph; `GraphClient` satisfies it. */
export interface SubscriptionApi {
  createSubscription(req: SubscriptionRequest): Promise<SubscriptionResult>;
  renewSubscription(id: string, expirationDateTime: Date | string): Promise<SubscriptionResult>;
  deleteSubscription(id: string): Promise<void>;
}

/** The fields of Graph's subscription resource the manager reads. */
export interface SubscriptionResult {
  id?: string;
  expirationDateTime?: string | null;
}

/** Graph no longer has the subscription (deleted, expired, removed): renewing is pointless, recreate. */
export function isGone(err: unknown): boolean {
  return isGraphRequestError(err) && err.status === 404;
}
