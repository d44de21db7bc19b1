import { GraphError, invalidRequest } from '../http/errors.js';

/** Graph's maximum lifetime of a driveItem subscription. */
export const MAX_LIFETIME_MINUTES = 42_300;
const MAX_CLIENT_STATE = 128;

export function parseChangeType(value: unknown): 'updated' {
  if (value === undefined || value === null || value === '') {
    throw invalidRequest('changeType is a required property for subscription creation.');
  }
  // Graph takes a comma-separated list, but driveItem supports 'updated' alone.
  if (value !== 'updated') {
    throw invalidRequest(
      `Operation: Create; Exception: [Status Code: BadRequest; Reason: The changeType '${String(value)}' is not supported for driveItem; only 'updated' is.]`,
    );
  }
  return value;
}

/** Returns the expiry as epoch ms, or throws Graph's 400 for a missing, past or too distant one. */
export function parseExpiration(value: unknown, now: number): number {
  if (value === undefined || value === null || value === '') {
    throw invalidRequest('expirationDateTime is a required property for subscription creation.');
  }
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw invalidRequest(`Invalid expirationDateTime '${String(value)}'.`);
  if (at <= now) throw invalidRequest('Subscription expiration must be in the future.');
  if (at > now + MAX_LIFETIME_MINUTES * 60_000) {
    throw invalidRequest(
      `Subscription expiration can only be ${MAX_LIFETIME_MINUTES} minutes in the future.`,
    );
  }
  return at;
}

/** Real Graph demands public HTTPS; the emulator lets loopback http through unless told not to. */
export function parseNotificationUrl(value: unknown, field: string, requireHttps: boolean): string {
  if (typeof value !== 'string' || value === '') {
    throw invalidRequest(`${field} is a required property for subscription creation.`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest(`Invalid ${field} '${value}'.`);
  }
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:' && !requireHttps && isLoopback(url.hostname)) return value;
  throw new GraphError(400, 'invalidRequest', `Invalid ${field}: only 'https' URLs are supported.`);
}

export function parseClientState(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > MAX_CLIENT_STATE) {
    throw invalidRequest(`clientState must be a string of at most ${MAX_CLIENT_STATE} characters.`);
  }
  return value;
}

function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
