import { type Log, silentLog, type TokenProvider } from './types.js';

export interface IssuedToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** Gets a token; `fresh` = bypass every cache (after a 401, or to refresh ahead of expiry). */
export type TokenSource = (fresh: boolean) => Promise<IssuedToken>;

export interface RefreshPolicy {
  /** Refresh this long before expiry, in the background while the old token still works (default 5 min). */
  refreshWindowMs?: number;
  /** Stop handing out a token this long before it expires (default 30 s; clock skew, request time). */
  expiryMarginMs?: number;
  /** After a failed background refresh, wait this long before trying in the background again. */
  backgroundRetryMs?: number;
  now?: () => number;
  log?: Log;
}

interface Held extends IssuedToken {
  obtainedAt: number;
}

/**
 * Keeps one token in memory so a request does not go through MSAL (and its cache file) each time.
 * msal-node 7 treats a cached token as expired 300 s before `expiresOn` and offers no setting for
 * it, so a short-lived token (as the emulator can issue) would never be served from its cache;
 * the windows here scale down with the token's lifetime instead: never more than half of it.
 */
export class RefreshingTokenProvider implements TokenProvider {
  private held: Held | undefined;
  private inflight: Promise<Held> | undefined;
  private forceNext = false;
  private quietUntil = 0;
  private readonly windowMs: number;
  private readonly marginMs: number;
  private readonly backgroundRetryMs: number;
  private readonly now: () => number;
  private readonly log: Log;

  constructor(
    private readonly source: TokenSource,
    policy: RefreshPolicy = {},
  ) {
    this.windowMs = policy.refreshWindowMs ?? 5 * 60_000;
    this.marginMs = policy.expiryMarginMs ?? 30_000;
    this.backgroundRetryMs = policy.backgroundRetryMs ?? 10_000;
    this.now = policy.now ?? Date.now;
    this.log = policy.log ?? silentLog;
  }

  async acquireToken(): Promise<string> {
    const held = this.held;
    const now = this.now();
    if (held && now < this.usableUntil(held)) {
      if (now >= this.refreshAt(held) && !this.inflight && now >= this.quietUntil) {
        this.fetch().catch((err: unknown) => {
          this.quietUntil = this.now() + this.backgroundRetryMs;
          this.log.warn(
            { err: errorSummary(err) },
            'background token refresh failed; the current token is still valid',
          );
        });
      }
      return held.token;
    }
    return (await this.fetch()).token;
  }

  invalidate(rejected?: string): void {
    if (rejected !== undefined && this.held !== undefined && this.held.token !== rejected) return;
    this.held = undefined;
    this.forceNext = true;
  }

  /** Holds a token obtained outside `source` (an interactive sign-in) so the next call need not fetch one. */
  offer(token: IssuedToken): void {
    this.held = { ...token, obtainedAt: this.now() };
    this.forceNext = false;
  }

  private fetch(): Promise<Held> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(): Promise<Held> {
    // The first fetch may use MSAL's persisted cache; any later one is a refresh and must not.
    let fresh = this.forceNext || this.held !== undefined;
    this.forceNext = false;
    let got = await this.take(fresh);
    if (!fresh && this.now() >= this.refreshAt(got)) {
      fresh = true;
      got = await this.take(true);
    }
    this.held = got;
    return got;
  }

  private async take(fresh: boolean): Promise<Held> {
    const obtainedAt = this.now();
    const t = await this.source(fresh);
    return { ...t, obtainedAt };
  }

  private refreshAt(t: Held): number {
    return t.expiresAt - Math.min(this.windowMs, (t.expiresAt - t.obtainedAt) / 2);
  }

  private usableUntil(t: Held): number {
    return t.expiresAt - Math.min(this.marginMs, (t.expiresAt - t.obtainedAt) / 10);
  }
}

/** Error name/code only: MSAL error messages can quote server responses. */
export function errorSummary(err: unknown): { name?: string; code?: string } {
  if (!(err instanceof Error)) return {};
  const code = (err as { errorCode?: unknown; code?: unknown }).errorCode ?? (err as { code?: unknown }).code;
  return { name: err.name, code: typeof code === 'string' ? code : undefined };
}
