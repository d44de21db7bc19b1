import { streamRandom } from './random.js';
import type { RouteKind } from './types.js';

/** 'all' = graph + content; 'auth' and 'control' only when named. */
export type FaultScope = RouteKind | 'all';

/** Read at send time, so the fault plan can change while the emulator runs. */
export interface NotificationFaults {
  /** Probability that a notification POST is silently never sent. */
  pDrop: number;
  /** Probability that a notification POST is sent twice. */
  pDuplicate: number;
  /** Each POST waits delayMs plus a random jitter of up to delayMs before its first attempt. */
  delayMs: number;
}

export interface FaultSettings {
  seed: number;
  scope: FaultScope | FaultScope[];
  latencyMs: number;
  /** Uniform extra latency in [0, jitterMs). */
  jitterMs: number;
  /** Pace of raw (non-JSON) reply bodies; 0 = unlimited. */
  bandwidthBytesPerSec: number;
  p429: number;
  p503: number;
  /** Destroy the connection instead of replying (after the handler ran: the work is done, the client never hears). */
  pReset: number;
  /** Announce the full Content-Length, send about half, then destroy the connection. */
  pTruncate: number;
  /** Probability that a download answers 200 with the whole body, ignoring Range (Graph may). */
  pIgnoreRange: number;
  /** Retry-After of injected 429/503 replies. */
  retryAfterSec: number;
  /** Number of upcoming delta requests to answer 410 resyncRequired (read by the delta route). */
  forceResync: number;
  notification: NotificationFaults;
}

export type FaultPatch = Partial<Omit<FaultSettings, 'notification'>> & {
  notification?: Partial<NotificationFaults>;
};

export type InjectedFault = 'reset' | '429' | '503' | 'truncate';

export interface FaultDecision {
  latencyMs: number;
  fault?: InjectedFault;
}

const NONE: FaultSettings = {
  seed: 1,
  scope: 'all',
  latencyMs: 0,
  jitterMs: 0,
  bandwidthBytesPerSec: 0,
  p429: 0,
  p503: 0,
  pReset: 0,
  pTruncate: 0,
  pIgnoreRange: 0,
  retryAfterSec: 1,
  forceResync: 0,
  notification: { pDrop: 0, pDuplicate: 0, delayMs: 0 },
};

/**
 * The emulator's fault settings plus the seeded randomness that turns them into decisions.
 * Every in-scope request draws the same number of values whatever the settings, so with the same
 * seed the n-th request gets the same draws even if probabilities change between runs.
 */
export class FaultPlan {
  private settings: FaultSettings;
  private draw: () => number;
  private readonly streams = new Map<string, () => number>();

  constructor(initial: FaultPatch = {}) {
    this.settings = merge(NONE, initial);
    this.draw = streamRandom(this.settings.seed, 'http');
  }

  getFaults(): FaultSettings {
    return structuredClone(this.settings);
  }

  /** The live settings without a copy, for per-request reads; do not mutate. */
  current(): Readonly<FaultSettings> {
    return this.settings;
  }

  /** Merges a partial update; a new seed restarts every random stream. */
  setFaults(patch: FaultPatch): FaultSettings {
    this.settings = merge(this.settings, patch);
    if (patch.seed !== undefined) {
      this.draw = streamRandom(this.settings.seed, 'http');
      this.streams.clear();
    }
    return this.getFaults();
  }

  inScope(kind: RouteKind): boolean {
    const scopes = Array.isArray(this.settings.scope) ? this.settings.scope : [this.settings.scope];
    return scopes.some((s) => s === kind || (s === 'all' && (kind === 'graph' || kind === 'content')));
  }

  /** Undefined when the route is out of scope (and then nothing is drawn). */
  decide(kind: RouteKind): FaultDecision | undefined {
    if (!this.inScope(kind)) return undefined;
    const s = this.settings;
    const [jitter, reset, tooMany, unavailable, truncate] = [1, 2, 3, 4, 5].map(() => this.draw()) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const latencyMs = s.latencyMs + Math.floor(jitter * s.jitterMs);
    if (reset < s.pReset) return { latencyMs, fault: 'reset' };
    if (tooMany < s.p429) return { latencyMs, fault: '429' };
    if (unavailable < s.p503) return { latencyMs, fault: '503' };
    if (truncate < s.pTruncate) return { latencyMs, fault: 'truncate' };
    return { latencyMs };
  }

  /** Consumes one forced resync; the delta route calls this once per request. */
  takeForcedResync(): boolean {
    if (this.settings.forceResync <= 0) return false;
    this.settings.forceResync -= 1;
    return true;
  }

  /** Whether this ranged download should ignore its Range (the content route asks once per ranged GET). */
  ignoreRange(): boolean {
    return this.random('range') < this.settings.pIgnoreRange;
  }

  /** A named, seeded random stream for other modules (e.g. 'notification'). */
  random(stream: string): number {
    let r = this.streams.get(stream);
    if (!r) {
      r = streamRandom(this.settings.seed, stream);
      this.streams.set(stream, r);
    }
    return r();
  }
}

function merge(base: FaultSettings, patch: FaultPatch): FaultSettings {
  const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return {
    ...base,
    ...defined,
    notification: { ...base.notification, ...patch.notification },
  } as FaultSettings;
}
