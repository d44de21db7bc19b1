import type { Context } from '@microsoft/microsoft-graph-client';
import { backoffDelay } from '../backoff.js';
import { type CallInfo, callInfo } from '../call-options.js';
import { parseRetryAfter } from '../retry-after.js';
import { sleep } from '../sleep.js';
import { TransportError } from '../transport-error.js';
import { Link } from './link.js';
import { graphMetrics } from './telemetry.js';

export interface RetryOptions {
  /** Attempts in all, the first included (default 6). */
  maxAttempts?: number;
  /** First backoff step without Retry-After (default 500 ms), doubled per attempt. */
  baseDelayMs?: number;
  /** Cap of one backoff step (default 30 s). */
  maxDelayMs?: number;
  /** Longest Retry-After obeyed before giving up instead (default 10 min). */
  maxRetryAfterMs?: number;
}

/** Graph's answer for "not now": the request was not carried out, so any replayable one may go again. */
const THROTTLED = new Set([429, 503]);
/** The gateway gave up; the request may or may not have run: only idempotent ones go again. */
const MAYBE_RAN = new Set([504]);

/**
 * Repeats an attempt after throttling, a gateway timeout or a lost connection. Retry-After is
 * obeyed exactly; otherwise exponential backoff with jitter. A request whose effect may already
 * have happened (a POST whose connection dropped) is never resent unless marked idempotent, and a
 * streamed body is never resent at all.
 */
export class RetryMiddleware extends Link {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;

  constructor(opts: RetryOptions = {}) {
    super();
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 6);
    this.baseDelayMs = opts.baseDelayMs ?? 500;
    this.maxDelayMs = opts.maxDelayMs ?? 30_000;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 10 * 60_000;
  }

  async execute(context: Context): Promise<void> {
    const info = callInfo(context);
    for (let attempt = 1; ; attempt++) {
      info.attempts = attempt;
      let delay: number | undefined;
      let reason: string;
      try {
        context.response = undefined;
        await this.next.execute(context);
        const res = Link.response(context);
        if (attempt >= this.maxAttempts || !this.retriesStatus(res.status, info)) return;
        const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        if (retryAfter !== undefined && retryAfter > this.maxRetryAfterMs) return;
        delay = retryAfter ?? backoffDelay(attempt, this.baseDelayMs, this.maxDelayMs);
        reason = String(res.status);
        await res.body?.cancel().catch(() => {});
      } catch (err) {
        if (
          !(err instanceof TransportError) ||
          attempt >= this.maxAttempts ||
          !this.retriesTransport(err, info)
        )
          throw err;
        if (info.signal?.aborted) throw err;
        delay = backoffDelay(attempt, this.baseDelayMs, this.maxDelayMs);
        reason = err.code ?? err.phase;
      }
      graphMetrics().retries.add(1, { 'http.route': info.route, 'deltafs.retry.reason': reason });
      await sleep(delay, info.signal);
    }
  }

  private retriesStatus(status: number, info: CallInfo): boolean {
    if (!info.replayable) return false;
    return THROTTLED.has(status) || (MAYBE_RAN.has(status) && info.idempotent);
  }

  private retriesTransport(err: TransportError, info: CallInfo): boolean {
    if (!info.replayable) return false;
    return info.idempotent || err.phase === 'connect';
  }
}
