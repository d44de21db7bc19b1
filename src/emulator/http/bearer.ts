import type { IncomingHttpHeaders } from 'node:http';
import { GraphError } from './errors.js';
import type { AuthInfo } from './types.js';

export type TokenCheck = { ok: true; auth: AuthInfo } | { ok: false; reason: 'unknown' | 'expired' };

/** What the server needs from the token registry (kept narrow so http/ does not depend on auth/). */
export interface TokenVerifier {
  verify(token: string): TokenCheck;
}

/** Graph's own words for each case; clients must branch on the status and code, not these. */
const MESSAGES = {
  missing: 'Access token is empty.',
  unknown: 'CompactToken parsing failed with error code: 80049217',
  expired: 'Lifetime validation failed, the token is expired.',
} as const;

/** Returns the caller's identity or throws Graph's 401 with a WWW-Authenticate challenge. */
export function authenticate(headers: IncomingHttpHeaders, tokens: TokenVerifier, origin: string): AuthInfo {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  let reason: keyof typeof MESSAGES = 'missing';
  if (m) {
    const check = tokens.verify(m[1]!);
    if (check.ok) return check.auth;
    reason = check.reason;
  }
  const challenge = `Bearer realm="", authorization_uri="${origin}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`;
  throw new GraphError(401, 'InvalidAuthenticationToken', MESSAGES[reason], undefined, {
    'WWW-Authenticate': reason === 'missing' ? challenge : `${challenge}, error="invalid_token"`,
  });
}
