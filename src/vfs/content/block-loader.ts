import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, type ThrottleGate } from '../../graph/index.js';
import type { DownloadUrls, Pin } from './download-urls.js';
import { ContentError, VersionChangedError } from './errors.js';
import {
  type PinnedGet,
  type RangeAnswer,
  type RangeFetcher,
  type SpanCopy,
  TagMismatchError,
  TransientError,
  UnsatisfiableError,
  UrlRefusedError,
} from './range-fetch.js';
import type { ContentStats } from './stats.js';

export interface LoaderOptions {
  blockSize: number;
  /** Attempts after the first for transient failures (default 4). */
  retries?: number;
  /** First backoff; doubles per attempt, with jitter, up to MAX_BACKOFF_MS (default 50 ms). */
  backoffMs?: number;
}

/** A fresh URL is asked for at most this often per block before the refusal is final. */
const MAX_URL_REFRESHES = 2;
const MAX_BACKOFF_MS = 2000;

/**
 * Gets consecutive blocks of a pinned version: asks the URL cache for a URL, sends the range GET, and
 * decides what a failure means: a refused URL is refreshed, a transient failure retried with
 * backoff (a Retry-After pauses the whole tenant, as for Graph calls), another version's answer
 * ends the read with VersionChangedError.
 */
export class BlockLoader {
  readonly blockSize: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  /** Whole-file answers to a Range: files up to this size are cached whole (4 MiB, at least 4 blocks). */
  private readonly keepWholeUpTo: number;

  constructor(
    private readonly urls: DownloadUrls,
    private readonly fetcher: RangeFetcher,
    private readonly gate: ThrottleGate,
    private readonly stats: ContentStats,
    opts: LoaderOptions,
  ) {
    this.blockSize = opts.blockSize;
    this.retries = opts.retries ?? 4;
    this.backoffMs = opts.backoffMs ?? 50;
    this.keepWholeUpTo = Math.max(4 * opts.blockSize, 4 * 2 ** 20);
  }

  /**
   * Fetches blocks [first, last] with one range GET, handing each to `onBlock` as it completes.
   * After a transient failure or a refreshed URL only the blocks not yet handed over are asked
   * for again. Blocks handed over before a VersionChangedError are of the pinned version (each
   * answer's tag is checked before its body is read), so nothing of two versions is ever mixed.
   */
  async load(
    pin: Pin,
    first: number,
    last: number,
    onBlock: (blockNo: number, buf: Buffer) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    let next = first;
    const get = this.pinnedGet(pin, signal, (n, buf) => {
      if (n >= next) next = n + 1;
      onBlock(n, buf);
    });
    await this.attempts(
      pin,
      signal,
      () => next,
      () => next <= last,
      () => `block ${next}`,
      (url) => this.fetcher.fetchRange({ ...get, url, first: next, last }),
    );
  }

  /**
   * Fetches bytes [start, end) of a pinned version with one range GET and copies [from, to) of
   * them into `target` at `at`; no block is made, unless the server answers a small file whole
   * (then its blocks go to `onBlock`, as load does). The same retries, URL refreshes and version
   * check as load; a retry asks for the whole span again.
   */
  async loadSpan(
    pin: Pin,
    start: number,
    end: number,
    copy: SpanCopy,
    onBlock: (blockNo: number, buf: Buffer) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const get = this.pinnedGet(pin, signal, onBlock);
    await this.attempts(
      pin,
      signal,
      () => 0,
      () => true,
      () => `bytes ${start}-${end - 1}`,
      (url) => this.fetcher.fetchSpan({ ...get, url, start, end, copy }),
    );
  }

  /** What every GET of the pin carries but its URL and range; blocks handed over are counted. */
  private pinnedGet(
    pin: Pin,
    signal: AbortSignal | undefined,
    onBlock: (blockNo: number, buf: Buffer) => void,
  ): Omit<PinnedGet, 'url'> {
    return {
      size: pin.size,
      blockSize: this.blockSize,
      tags: pin.tags,
      keepWholeUpTo: this.keepWholeUpTo,
      signal,
      onBlock: (n, buf) => {
        this.stats.blocksFetched += 1;
        onBlock(n, buf);
      },
      onBytes: this.onBytes,
    };
  }

  private readonly onBytes = (n: number): void => {
    this.stats.bytesFetched += n;
  };

  /**
   * Sends `attempt` with a URL for the pin until it succeeds, `left` says nothing is left to ask
   * for, or it fails for good: a refused URL is
   * refreshed (at most MAX_URL_REFRESHES times), a transient failure retried with backoff (the
   * budget counts failures in a row: an attempt that moved `progress` on resets it), another
   * version's answer ends it with VersionChangedError.
   */
  private async attempts(
    pin: Pin,
    signal: AbortSignal | undefined,
    progress: () => number,
    left: () => boolean,
    what: () => string,
    attempt: (url: string) => Promise<RangeAnswer>,
  ): Promise<void> {
    let failures = 0;
    let refreshes = 0;
    // A failure after the last of the wanted bytes arrived leaves nothing to ask for.
    while (left()) {
      await this.gate.wait(signal);
      const url = await this.urls.urlFor(pin, signal);
      const from = progress();
      try {
        this.stats.rangeRequests += 1;
        const answer = await attempt(url);
        if (answer.rangeIgnored) this.stats.rangeIgnored += 1;
        return;
      } catch (err) {
        if (err instanceof TagMismatchError) {
          this.stats.versionMismatches += 1;
          this.urls.forget(pin.driveId, pin.itemId);
          throw new VersionChangedError(pin.driveId, pin.itemId, pin.version, err.seen);
        }
        if (err instanceof UrlRefusedError || err instanceof UnsatisfiableError) {
          if (refreshes++ >= MAX_URL_REFRESHES) throw refusedForGood(pin, what(), err);
          await this.urls.refresh(pin, url, signal);
          continue;
        }
        if (err instanceof TransientError) {
          if (progress() > from) failures = 0;
          if (failures++ >= this.retries) {
            throw new ContentError(
              'EIO',
              `${what()} of item ${pin.itemId} failed after ${failures} attempts: ${err.message}`,
              { cause: err },
            );
          }
          this.stats.retries += 1;
          if (err.retryAfterMs !== undefined) this.gate.pause(err.retryAfterMs);
          else await sleep(backoffDelay(failures, this.backoffMs, MAX_BACKOFF_MS), undefined, { signal });
          continue;
        }
        throw err;
      }
    }
  }
}

function refusedForGood(pin: Pin, what: string, err: Error): ContentError {
  const status = err instanceof UrlRefusedError ? err.status : 416;
  const code = status === 404 ? 'ENOENT' : status === 416 ? 'EIO' : 'EACCES';
  return new ContentError(
    code,
    `${what} of item ${pin.itemId}: download refused with ${status} even with fresh URLs`,
    { cause: err },
  );
}
