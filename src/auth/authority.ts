import type { NodeAuthOptions } from '@azure/msal-node';

export interface AuthorityConfig {
  /**
   * https URL of the tenant's authority: `https://login.microsoftonline.com/{tenantId}` for Entra
   * ID, the emulator's `https://127.0.0.1:{port}/{tenantId}` for tests. MSAL refuses http.
   */
  authority: string;
  /**
   * OpenID metadata (token_endpoint, authorization_endpoint, device_authorization_endpoint,
   * issuer, jwks_uri, end_session_endpoint) for an authority MSAL must not discover itself.
   * Without it MSAL reads `{authority}/v2.0/.well-known/openid-configuration`.
   */
  authorityMetadata?: string | Record<string, unknown>;
  /** PEM CA the authority's certificate chains to (the emulator's); omit for Entra ID. */
  caPem?: string;
}

/** Entra ID's public and sovereign clouds: MSAL discovers these itself. */
const MICROSOFT_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

/**
 * MSAL only trusts hosts it can validate through Microsoft's instance discovery, which a local
 * authority cannot pass and which needs the internet. Listing the authority's host:port in
 * `knownAuthorities` skips that discovery for exactly that host.
 */
export function msalAuthorityOptions(
  cfg: AuthorityConfig,
): Pick<NodeAuthOptions, 'authority' | 'knownAuthorities' | 'authorityMetadata'> {
  const url = new URL(cfg.authority);
  if (url.protocol !== 'https:')
    throw new Error(`authority must be an https URL (MSAL refuses ${url.protocol})`);
  const authority = url.href.replace(/\/+$/, '');
  const out: Pick<NodeAuthOptions, 'authority' | 'knownAuthorities' | 'authorityMetadata'> = { authority };
  if (!MICROSOFT_HOSTS.has(url.hostname.toLowerCase())) out.knownAuthorities = [url.host];
  if (cfg.authorityMetadata !== undefined) {
    out.authorityMetadata =
      typeof cfg.authorityMetadata === 'string'
        ? cfg.authorityMetadata
        : JSON.stringify(cfg.authorityMetadata);
  }
  return out;
}
