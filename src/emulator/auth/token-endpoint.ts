import { createHash } from 'node:crypto';
import type { Reply, RequestContext } from '../http/types.js';
import { checkClientCredential } from './client-auth.js';
import type { DeviceCodeStore } from './device-codes.js';
import type { Directory, DirectoryUser, RegisteredApp } from './directory.js';
import { clientInfo, unsignedJwt } from './jwt.js';
import { oauthError } from './oauth-error.js';
import type { TokenGrant, TokenRegistry } from './token-registry.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** Entra ID also accepts the bare name, and MSAL sends that one. */
const GRANTS = new Set(['client_credentials', 'refresh_token', DEVICE_CODE_GRANT, 'device_code']);

export interface AuthServices {
  directory: Directory;
  tokens: TokenRegistry;
  deviceCodes: DeviceCodeStore;
}

interface TokenRequest {
  form: URLSearchParams;
  app: RegisteredApp;
  /** Scheme, host and port the client used; issuer URLs are built on it. */
  origin: string;
}

/** `POST /{tenant}/oauth2/v2.0/token` for client_credentials, device_code and refresh_token grants. */
export async function tokenEndpoint(ctx: RequestContext, svc: AuthServices): Promise<Reply> {
  const tenant = ctx.params.tenant!;
  const form = new URLSearchParams((await ctx.body()).toString('utf8'));
  const grantType = form.get('grant_type');
  if (!grantType) {
    return oauthError(
      'invalid_request',
      "The request body must contain the following parameter: 'grant_type'.",
    );
  }
  if (!GRANTS.has(grantType)) {
    return oauthError('unsupported_grant_type', `The grant type '${grantType}' is not supported.`);
  }
  const found = findClient(svc.directory, tenant, form.get('client_id'));
  if ('status' in found) return found;
  const req: TokenRequest = { form, app: found.app, origin: ctx.url.origin };
  const credentialError = checkClientCredential(found.app, form, ctx.url);
  if (credentialError) return credentialError;
  if (grantType === 'client_credentials') return clientCredentials(req, svc);
  if (grantType === 'refresh_token') return refreshToken(req, svc);
  return deviceCode(req, svc);
}

/** `POST /{tenant}/oauth2/v2.0/devicecode`. */
export async function deviceCodeEndpoint(ctx: RequestContext, svc: AuthServices): Promise<Reply> {
  const form = new URLSearchParams((await ctx.body()).toString('utf8'));
  const found = findClient(svc.directory, ctx.params.tenant!, form.get('client_id'));
  if ('status' in found) return found;
  const scopes = splitScopes(form.get('scope'));
  if (scopes.length === 0)
    return oauthError('invalid_request', "The request body must contain the following parameter: 'scope'.");
  const entry = svc.deviceCodes.start(found.app.tenantId, found.app.clientId, scopes);
  const verificationUri = `${ctx.url.origin}/devicelogin`;
  return {
    status: 200,
    json: {
      user_code: entry.userCode,
      device_code: entry.deviceCode,
      verification_uri: verificationUri,
      expires_in: svc.deviceCodes.lifetimeSec,
      interval: svc.deviceCodes.intervalSec,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${entry.userCode} to authenticate.`,
    },
  };
}

function findClient(
  directory: Directory,
  tenant: string,
  clientId: string | null,
): { app: RegisteredApp } | Reply {
  if (!directory.knowsTenant(tenant)) return oauthError('invalid_request', `Tenant '${tenant}' not found.`);
  if (!clientId)
    return oauthError(
      'invalid_request',
      "The request body must contain the following parameter: 'client_id'.",
    );
  const app = directory.findApp(tenant, clientId);
  if (!app) {
    return oauthError(
      'unauthorized_client',
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
    );
  }
  return { app };
}

function clientCredentials(req: TokenRequest, svc: AuthServices): Reply {
  const scopes = splitScopes(req.form.get('scope'));
  if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default')) {
    return oauthError(
      'invalid_scope',
      'The client credentials flow needs exactly one scope, ending in /.default.',
    );
  }
  const issued = svc.tokens.issue({ tenantId: req.app.tenantId, clientId: req.app.clientId, scopes });
  return tokenReply({
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    ext_expires_in: issued.expiresIn,
    access_token: issued.token,
  });
}

function deviceCode(req: TokenRequest, svc: AuthServices): Reply {
  const poll = svc.deviceCodes.poll(req.form.get('device_code') ?? '', req.app.clientId);
  switch (poll.state) {
    case 'pending':
      return oauthError('authorization_pending', 'The user has not yet completed authentication.');
    case 'declined':
      return oauthError('authorization_declined', 'The user declined the sign-in request.');
    case 'expired':
      return oauthError('expired_token', 'The device code has expired.');
    case 'unknown':
    case 'redeemed':
      return oauthError('invalid_grant', 'The device code is invalid or was already redeemed.');
  }
  const { entry } = poll;
  return delegatedTokens(
    req,
    svc,
    { tenantId: entry.tenantId, clientId: entry.clientId, userId: entry.user!.id, scopes: entry.scopes },
    entry.user!,
  );
}

function refreshToken(req: TokenRequest, svc: AuthServices): Reply {
  const grant = svc.tokens.redeemRefresh(req.form.get('refresh_token') ?? '');
  if (!grant || grant.clientId !== req.app.clientId) {
    return oauthError('invalid_grant', 'The refresh token is invalid, expired or revoked.');
  }
  const requested = splitScopes(req.form.get('scope'));
  const user =
    grant.userId === undefined
      ? undefined
      : (svc.directory.findUser(grant.userId) ?? svc.directory.defaultUser(grant.tenantId));
  return delegatedTokens(
    req,
    svc,
    { ...grant, scopes: requested.length > 0 ? requested : grant.scopes },
    user,
  );
}

/** Access + refresh token, plus id_token and client_info so MSAL can build and cache an account. */
function delegatedTokens(
  req: TokenRequest,
  svc: AuthServices,
  grant: TokenGrant,
  user: DirectoryUser | undefined,
): Reply {
  const issued = svc.tokens.issue(grant);
  const refresh = svc.tokens.issueRefresh(grant);
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: grant.scopes.join(' '),
    expires_in: issued.expiresIn,
    ext_expires_in: issued.expiresIn,
    access_token: issued.token,
    refresh_token: refresh.token,
  };
  if (user) {
    body.id_token = idToken(req, grant, user);
    body.client_info = clientInfo(user.id, grant.tenantId);
  }
  return tokenReply(body);
}

function idToken(req: TokenRequest, grant: TokenGrant, user: DirectoryUser): string {
  const now = Math.floor(Date.now() / 1000);
  return unsignedJwt({
    aud: grant.clientId,
    iss: `${req.origin}/${grant.tenantId}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    name: user.displayName,
    oid: user.id,
    preferred_username: user.userPrincipalName,
    // Entra ID's sub is pairwise: stable per user and app.
    sub: createHash('sha256').update(`${user.id}:${grant.clientId}`).digest('base64url'),
    tid: grant.tenantId,
    ver: '2.0',
  });
}

function tokenReply(json: Record<string, unknown>): Reply {
  return { status: 200, headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, json };
}

function splitScopes(scope: string | null): string[] {
  return (scope ?? '').split(/\s+/).filter((s) => s.length > 0);
}
