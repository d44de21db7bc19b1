/** One entry of a notification collection, as far as the receiver relies on it. */
export interface RawNotification {
  subscriptionId: string;
  clientState: unknown;
  resource: string;
  lifecycleEvent: unknown;
}

/**
 * `{ "value": [ ... ] }` → its entries, or undefined when the body is not JSON or not such a
 * collection. Entries that are not objects are skipped; a missing subscriptionId becomes '', which no
 * subscription has, so the entry is counted as unknown rather than vanishing.
 */
export function parseNotifications(body: Buffer): RawNotification[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const value = (doc as { value?: unknown }).value;
  if (!Array.isArray(value)) return undefined;
  const out: RawNotification[] = [];
  for (const v of value) {
    if (typeof v !== 'object' || v === null) continue;
    const n = v as Record<string, unknown>;
    out.push({
      subscriptionId: typeof n.subscriptionId === 'string' ? n.subscriptionId : '',
      clientState: n.clientState,
      resource: typeof n.resource === 'string' ? n.resource : '',
      lifecycleEvent: n.lifecycleEvent,
    });
  }
  return out;
}
