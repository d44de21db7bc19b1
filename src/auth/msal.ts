import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  type AccountInfo,
  AuthError,
  type AuthenticationResult,
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  InteractionRequiredAuthError,
  LogLevel,
  PublicClientApplication,
} from '@azure/msal-node';
import { type AuthorityConfig, msalAuthorityOptions } from './authority.js';
import { FileTokenCache } from './cache-file.js';
import { UndiciNetworkModule } from './network.js';
import { type IssuedToken, RefreshingTokenProvider, type RefreshPolicy } from './refresh.js';
import { type Log, silentLog, type TokenProvider } from './types.js';

/** App-only access to everything the app registration was granted. */
export const GRAPH_APP_SCOPES = ['https://graph.microsoft.com/.default'];
/** Delegated access for a signed-in user; MSAL adds openid, profile and offline_access. */
export const GRAPH_USER_SCOPES = [
  'https://graph.microsoft.com/Files.ReadWrite.All',
  'https://graph.microsoft.com/Sites.ReadWrite.All',
];

interface MsalCommonConfig extends AuthorityConfig {
  clientId: string;
  scopes?: string[];
  /** MSAL's cache on disk (0600); omit to keep tokens in memory only. */
  cacheFile?: string;
  refresh?: Omit<RefreshPolicy, 'log'>;
  log?: Log;
  /** Replaces the undici module built from `caPem` (tests). */
  network?: INetworkModule;
}

export type ClientCredential =
  | { secret: string }
  /** PEM certificate and its private key (any PEM form; MSAL wants PKCS#8). */
  | { certificatePem: string; privateKeyPem: string; sendX5c?: boolean };

export interface ClientCredentialConfig extends MsalCommonConfig {
  credential: ClientCredential;
}

export interface DeviceCodePrompt {
  /** Ready to print: where to go and which code to enter. */
  message: string;
  userCode: string;
  verificationUri: string;
  expiresInSec: number;
}

export interface DeviceCodeConfig extends MsalCommonConfig {
  /** Shows the sign-in instructions to the person at the keyboard. */
  onDeviceCode: (prompt: DeviceCodePrompt) => void;
  /** Which cached account to use when several have signed in (UPN). */
  username?: string;
  /** false: fail instead of starting a device code flow when no cached sign-in works. */
  interactive?: boolean;
}

/** Shared MSAL wiring: our network module, file cache, and a logger that drops anything PII-marked. */
function msalConfig(
  cfg: MsalCommonConfig,
  auth: Configuration['auth'],
): { config: Configuration; network: INetworkModule } {
  const log = cfg.log ?? silentLog;
  const network = cfg.network ?? new UndiciNetworkModule({ caPem: cfg.caPem });
  const config: Configuration = {
    auth: { ...auth, ...msalAuthorityOptions(cfg) },
    system: {
      networkClient: network,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message, containsPii) => {
          if (containsPii) return;
          if (level === LogLevel.Error) log.error({ component: 'msal' }, message);
          // App-only tokens never carry client info; MSAL warns about it on every token.
          else if (/No client info in response/.test(message)) log.debug({ component: 'msal' }, message);
          else log.warn({ component: 'msal' }, message);
        },
      },
    },
  };
  if (cfg.cacheFile) config.cache = { cachePlugin: new FileTokenCache(cfg.cacheFile, log) };
  return { config, network };
}

/**
 * The refresh token is gone, expired or revoked: only the person can fix that. Entra ID often
 * says so with a bare `invalid_grant` (no suberror), which MSAL reports as a ServerError rather
 * than an InteractionRequiredAuthError.
 */
const SIGN_IN_AGAIN = new Set(['invalid_grant', 'no_tokens_found', 'refresh_token_expired']);

function needsSignIn(err: unknown): boolean {
  return (
    err instanceof InteractionRequiredAuthError ||
    (err instanceof AuthError && SIGN_IN_AGAIN.has(err.errorCode))
  );
}

function issued(result: AuthenticationResult | null): IssuedToken {
  if (!result?.accessToken) throw new Error('MSAL returned no access token');
  // MSAL leaves expiresOn null only for tokens without expires_in; assume a short life then.
  const expiresAt = result.expiresOn ? result.expiresOn.getTime() : Date.now() + 5 * 60_000;
  return { token: result.accessToken, expiresAt };
}

function certificateOptions(c: { certificatePem: string; privateKeyPem: string; sendX5c?: boolean }) {
  const cert = new X509Certificate(c.certificatePem);
  return {
    thumbprintSha256: cert.fingerprint256.replaceAll(':', '').toLowerCase(),
    privateKey: createPrivateKey(c.privateKeyPem).export({ format: 'pem', type: 'pkcs8' }).toString(),
    ...(c.sendX5c ? { x5c: c.certificatePem } : {}),
  };
}

/** App-only tokens (client credentials) with a secret or a certificate. */
export class ClientCredentialProvider implements TokenProvider {
  readonly app: ConfidentialClientApplication;
  private readonly tokens: RefreshingTokenProvider;
  private readonly network: INetworkModule;

  constructor(cfg: ClientCredentialConfig) {
    const cred = cfg.credential;
    const { config, network } = msalConfig(
      cfg,
      'secret' in cred
        ? { clientId: cfg.clientId, clientSecret: cred.secret }
        : { clientId: cfg.clientId, clientCertificate: certificateOptions(cred) },
    );
    this.app = new ConfidentialClientApplication(config);
    this.network = network;
    const scopes = cfg.scopes ?? GRAPH_APP_SCOPES;
    this.tokens = new RefreshingTokenProvider(
      async (fresh) => issued(await this.app.acquireTokenByClientCredential({ scopes, skipCache: fresh })),
      { ...cfg.refresh, log: cfg.log },
    );
  }

  acquireToken(): Promise<string> {
    return this.tokens.acquireToken();
  }

  invalidate(rejected?: string): void {
    this.tokens.invalidate(rejected);
  }

  async close(): Promise<void> {
    if (this.network instanceof UndiciNetworkModule) await this.network.close();
  }
}

/**
 * Delegated tokens for a person: silent through the cached account and its refresh token, and a
 * device code flow (instructions through `onDeviceCode`) when there is no usable sign-in.
 */
export class DeviceCodeProvider implements TokenProvider {
  readonly app: PublicClientApplication;
  private readonly tokens: RefreshingTokenProvider;
  private readonly network: INetworkModule;
  private readonly scopes: string[];
  private homeAccountId: string | undefined;

  constructor(private readonly cfg: DeviceCodeConfig) {
    const { config, network } = msalConfig(cfg, { clientId: cfg.clientId });
    this.app = new PublicClientApplication(config);
    this.network = network;
    this.scopes = cfg.scopes ?? GRAPH_USER_SCOPES;
    this.tokens = new RefreshingTokenProvider((fresh) => this.token(fresh), { ...cfg.refresh, log: cfg.log });
  }

  acquireToken(): Promise<string> {
    return this.tokens.acquireToken();
  }

  invalidate(rejected?: string): void {
    this.tokens.invalidate(rejected);
  }

  /** Runs the device code flow now, whatever the cache holds (the `login` command). */
  async signIn(): Promise<AccountInfo> {
    const result = await this.deviceCode();
    this.tokens.offer(issued(result));
    return result.account!;
  }

  /** The account tokens are acquired for, if one has signed in (from memory or the cache file). */
  async account(): Promise<AccountInfo | undefined> {
    const accounts = await this.app.getTokenCache().getAllAccounts();
    const pick =
      accounts.find((a) => this.homeAccountId !== undefined && a.homeAccountId === this.homeAccountId) ??
      accounts.find(
        (a) =>
          this.cfg.username !== undefined && a.username.toLowerCase() === this.cfg.username.toLowerCase(),
      ) ??
      (this.cfg.username === undefined ? accounts[0] : undefined);
    return pick;
  }

  async close(): Promise<void> {
    if (this.network instanceof UndiciNetworkModule) await this.network.close();
  }

  private async token(fresh: boolean): Promise<IssuedToken> {
    const account = await this.account();
    if (account) {
      try {
        return issued(
          await this.app.acquireTokenSilent({ account, scopes: this.scopes, forceRefresh: fresh }),
        );
      } catch (err) {
        if (!needsSignIn(err)) throw err;
      }
    }
    if (this.cfg.interactive === false)
      throw new Error('no usable sign-in in the token cache; run the device code login');
    return issued(await this.deviceCode());
  }

  private async deviceCode(): Promise<AuthenticationResult> {
    const result = await this.app.acquireTokenByDeviceCode({
      scopes: this.scopes,
      deviceCodeCallback: (r) =>
        this.cfg.onDeviceCode({
          message: r.message,
          userCode: r.userCode,
          verificationUri: r.verificationUri,
          expiresInSec: r.expiresIn,
        }),
    });
    if (!result?.account) throw new Error('device code sign-in returned no account');
    this.homeAccountId = result.account.homeAccountId;
    return result;
  }
}
