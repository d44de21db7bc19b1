/** Entra ID's OpenID configuration for `tenantId`, with every endpoint on the emulator. */
export function openIdConfiguration(baseUrl: string, tenantId: string): Record<string, unknown> {
  const root = `${baseUrl}/${tenantId}`;
  return {
    token_endpoint: `${root}/oauth2/v2.0/token`,
    authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${root}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${root}/oauth2/v2.0/logout`,
    jwks_uri: `${root}/discovery/v2.0/keys`,
    issuer: `${root}/v2.0`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    grant_types_supported: [
      'client_credentials',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
  };
}

/**
 * The `auth.authorityMetadata` string for MSAL. With it (and `knownAuthorities: [host:port]`)
 * MSAL skips Microsoft's discovery hosts and talks only to the emulator.
 */
export function msalAuthorityMetadata(baseUrl: string, tenantId: string): string {
  return JSON.stringify(openIdConfiguration(baseUrl, tenantId));
}
