import { timingSafeEqual } from 'node:crypto';
import type { Reply } from '../http/types.js';
import type { RegisteredApp } from './directory.js';
import { decodeJwt, verifyWithCertificates } from './jwt.js';
import { oauthError } from './oauth-error.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const CLOCK_SKEW_SEC = 300;

/**
 * Checks the client credential in a token request: a secret, or a certificate-signed assertion
 * (RFC 7523) whose audience is this token endpoint. Public clients may send neither.
 * Returns the error reply, or undefined when the client is authenticated.
 */
export function checkClientCredential(
  app: RegisteredApp,
  form: URLSearchParams,
  tokenUrl: URL,
): Reply | undefined {
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  if (secret !== null) {
    if (app.clientSecret !== undefined && equalSecrets(secret, app.clientSecret)) return undefined;
    return oauthError('invalid_client', `Invalid client secret provided for app '${app.clientId}'.`);
  }
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== JWT_BEARER) {
      return oauthError('invalid_request', `client_assertion_type must be '${JWT_BEARER}'.`);
    }
    const problem = assertionProblem(app, assertion, tokenUrl);
    return problem ? oauthError('invalid_client', `Client assertion rejected: ${problem}.`) : undefined;
  }
  if (app.publicClient) return undefined;
  return oauthError(
    'invalid_client',
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  );
}

function assertionProblem(app: RegisteredApp, assertion: string, tokenUrl: URL): string | undefined {
  const jwt = decodeJwt(assertion);
  if (!jwt) return 'not a JWT';
  const { iss, sub, aud, exp, nbf } = jwt.payload;
  if (iss !== app.clientId || sub !== app.clientId) return 'iss and sub must be the client id';
  if (!sameEndpoint(aud, tokenUrl)) return `audience '${String(aud)}' is not this token endpoint`;
  const now = Date.now() / 1000;
  if (typeof exp !== 'number' || exp + CLOCK_SKEW_SEC < now) return 'expired';
  if (typeof nbf === 'number' && nbf - CLOCK_SKEW_SEC > now) return 'not yet valid';
  if (!verifyWithCertificates(jwt, app.certificates ?? [])) return 'no registered certificate verifies it';
  return undefined;
}

/** The host may be written as localhost or 127.0.0.1; the path (with the tenant) must match. */
function sameEndpoint(aud: unknown, tokenUrl: URL): boolean {
  if (typeof aud !== 'string') return false;
  try {
    return new URL(aud).pathname.toLowerCase() === tokenUrl.pathname.toLowerCase();
  } catch {
    return false;
  }
}

function equalSecrets(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
