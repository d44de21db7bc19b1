import { randomUUID } from 'node:crypto';
import type { Reply } from '../http/types.js';

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'authorization_pending'
  | 'authorization_declined'
  | 'expired_token';

/** Entra ID's AADSTS numbers for the cases the emulator produces, so logs read like the real thing. */
const AADSTS: Record<OAuthErrorCode, number> = {
  invalid_request: 900144,
  invalid_client: 7000215,
  invalid_grant: 70000,
  invalid_scope: 1002012,
  unauthorized_client: 700016,
  unsupported_grant_type: 70003,
  authorization_pending: 70016,
  authorization_declined: 70000,
  expired_token: 70020,
};

/** Token endpoint errors use OAuth's shape (RFC 6749 §5.2 plus Entra ID's extra fields), not Graph's. */
export function oauthError(code: OAuthErrorCode, description: string, status?: number): Reply {
  const traceId = randomUUID();
  const aadsts = AADSTS[code];
  return {
    status: status ?? (code === 'invalid_client' ? 401 : 400),
    headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    json: {
      error: code,
      error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Timestamp: ${new Date().toISOString()}`,
      error_codes: [aadsts],
      timestamp: new Date()
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z'),
      trace_id: traceId,
      correlation_id: randomUUID(),
    },
  };
}
