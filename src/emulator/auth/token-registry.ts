import { randomBytes } from 'node:crypto';
import type { TokenCheck, TokenVerifier } from '../http/bearer.js';
import type { AuthInfo } from '../http/types.js';

/** Who a token was issued to. */
export interface TokenGrant {
  tenantId: string;
  clientId: string;
  /** Set for delegated (device code / refresh) tokens. */
  userId?: string;
  scopes: string[];
}

export interface IssuedToken {
  token: string;
  expiresAt: number;
  /** Seconds, as the token endpoint reports it. */
  expiresIn: number;
}

export interface TokenRegistryOptions {
  /** Access token lifetime (default 3600 s, as Entra ID's default is 60–90 min). */
  lifetimeSec?: number;
  refreshLifetimeSec?: number;
  now?: () => number;
}

interface Entry extends TokenGrant {
  expiresAt: number;
}

/** Expired tokens are remembered this long so a 401 can say "expired" rather than "unknown". */
const FORGET_AFTER_MS = 3_600_000;

/**
 * Opaque random bearer and refresh tokens with expiry. Tests force 401 recovery through
 * `expireAll()` or `revoke()`.
 */
export class TokenRegistry implements TokenVerifier {
  private readonly access = new Map<string, Entry>();
  private readonly refresh = new Map<string, Entry>();
  private lifetimeSec: number;
  private readonly refreshLifetimeSec: number;
  private readonly now: () => number;
  private lastSweep = 0;

  constructor(opts: TokenRegistryOptions = {}) {
    this.lifetimeSec = opts.lifetimeSec ?? 3600;
    this.refreshLifetimeSec = opts.refreshLifetimeSec ?? 90 * 86_400;
    this.now = opts.now ?? Date.now;
  }

  setLifetime(seconds: number): void {
    this.lifetimeSec = seconds;
  }

  issue(grant: TokenGrant, lifetimeSec = this.lifetimeSec): IssuedToken {
    this.forgetOld();
    return this.put(this.access, grant, lifetimeSec);
  }

  issueRefresh(grant: TokenGrant): IssuedToken {
    return this.put(this.refresh, grant, this.refreshLifetimeSec);
  }

  verify(token: string): TokenCheck {
    const entry = this.access.get(token);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (entry.expiresAt <= this.now()) return { ok: false, reason: 'expired' };
    const auth: AuthInfo = { tenantId: entry.tenantId, clientId: entry.clientId, expiresAt: entry.expiresAt };
    if (entry.userId !== undefined) auth.userId = entry.userId;
    return { ok: true, auth };
  }

  /** The grant behind a live refresh token, or undefined (unknown, expired or revoked). */
  redeemRefresh(token: string): TokenGrant | undefined {
    const entry = this.refresh.get(token);
    if (!entry || entry.expiresAt <= this.now()) return undefined;
    const { expiresAt: _, ...grant } = entry;
    return grant;
  }

  /** Access or refresh token; the next use of a revoked access token answers 401 "unknown". */
  revoke(token: string): boolean {
    return this.access.delete(token) || this.refresh.delete(token);
  }

  /** Makes every access token issued so far expired (refresh tokens stay valid). */
  expireAll(): void {
    const now = this.now();
    for (const entry of this.access.values()) entry.expiresAt = Math.min(entry.expiresAt, now);
  }

  revokeAllRefreshTokens(): void {
    this.refresh.clear();
  }

  private put(map: Map<string, Entry>, grant: TokenGrant, lifetimeSec: number): IssuedToken {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + lifetimeSec * 1000;
    map.set(token, { ...grant, scopes: [...grant.scopes], expiresAt });
    return { token, expiresAt, expiresIn: lifetimeSec };
  }

  private forgetOld(): void {
    if (this.now() - this.lastSweep < 60_000) return;
    this.lastSweep = this.now();
    const horizon = this.now() - FORGET_AFTER_MS;
    for (const [token, entry] of this.access) if (entry.expiresAt < horizon) this.access.delete(token);
  }
}
