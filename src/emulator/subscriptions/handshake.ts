import { randomUUID } from 'node:crypto';
import { invalidRequest } from '../http/errors.js';
import type { OutboundHttp } from './outbound.js';

const REJECTED =
  'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.';

/**
 * Graph's validation handshake: POST `{url}?validationToken=...` with an empty text/plain body;
 * the receiver must echo the *decoded* token as text/plain with 200 in time. Graph's token has
 * spaces and colons, so receivers that echo the raw query value fail here as they would there.
 */
export async function validateEndpoint(http: OutboundHttp, url: string, timeoutMs: number): Promise<void> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const target = `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams({ validationToken: token })}`;
  let res: Awaited<ReturnType<OutboundHttp['post']>>;
  try {
    res = await http.post(target, '', 'text/plain; charset=utf-8', timeoutMs);
  } catch (err) {
    if ((err as Error).name === 'TimeoutError')
      throw invalidRequest('Subscription validation request timed out.');
    throw invalidRequest(REJECTED);
  }
  if (res.status !== 200) throw invalidRequest(REJECTED);
  if (!/^text\/plain\b/i.test(res.contentType) || res.body !== token) {
    throw invalidRequest(
      'Subscription validation request failed. Response must exactly match validationToken query parameter.',
    );
  }
}
