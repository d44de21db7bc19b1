import pLimit, { type LimitFunction } from 'p-limit';
import type { BlockCache } from './block-cache.js';
import type { BlockLoader } from './block-loader.js';
import type { Pin } from './download-urls.js';
import { ContentError } from './errors.js';
import type { ContentStats } from './stats.js';

/** One block being fetched; everyone who wants it waits on the same promise. */
interface Fetch {
  promise: Promise<Buffer>;
  started: boolean;
  resolve(buf: Buffer): void;
  reject(err: unknown): void;
}

/** The cache key of a block: the content version is part of it, so versions never share a block. */
export function blockKey(pin: Pin, blockNo: number): string {
  return `${pin.driveId}/${pin.itemId}/${pin.version}/${blockNo}`;
}

/**
 * Block fetches in flight, coalesced by key, and the two bounds on them: one p-limit for blocks a
 * read waits for, one for read-ahead. A read that needs a block still queued for read-ahead starts
 * it at once instead of waiting its turn behind other read-ahead.
 */
export class FetchQueue {
  private readonly fetches = new Map<string, Fetch>();
  private readonly demandLimit: LimitFunction;
  private readonly aheadLimit: LimitFunction;

  constructor(
    private readonly loader: BlockLoader,
    private readonly cache: BlockCache,
    private readonly stats: ContentStats,
    private readonly signal: AbortSignal,
    maxInflight: number,
  ) {
    this.demandLimit = pLimit(maxInflight);
    this.aheadLimit = pLimit(maxInflight);
  }

  has(key: string): boolean {
    return this.fetches.has(key);
  }

  /** The block for a read that waits for it. */
  demand(pin: Pin, blockNo: number, key: string): Promise<Buffer> {
    const f = this.fetches.get(key) ?? this.track(key);
    if (!f.started) void this.demandLimit(() => this.run(f, pin, blockNo, key, false));
    return f.promise;
  }

  /** Fetches a block no read waits for yet; failures only count. */
  ahead(pin: Pin, blockNo: number, key: string): void {
    if (this.fetches.has(key)) return;
    const f = this.track(key);
    void this.aheadLimit(() => this.run(f, pin, blockNo, key, true));
  }

  /** Resolves once nothing is in flight or queued. */
  async idle(): Promise<void> {
    while (this.fetches.size > 0) await Promise.allSettled([...this.fetches.values()].map((f) => f.promise));
  }

  /** Fails every fetch that has not started; the loader's signal ends the others. */
  close(): void {
    this.aheadLimit.clearQueue();
    this.demandLimit.clearQueue();
    for (const [key, f] of this.fetches) {
      if (f.started) continue;
      this.fetches.delete(key);
      f.reject(new ContentError('EBADF', 'the content reader was closed'));
    }
  }

  private track(key: string): Fetch {
    let resolve!: (buf: Buffer) => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<Buffer>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Read-ahead may fail with nobody waiting; whoever waits still sees the rejection.
    promise.catch(() => {});
    const f: Fetch = { promise, started: false, resolve, reject };
    this.fetches.set(key, f);
    return f;
  }

  private async run(f: Fetch, pin: Pin, blockNo: number, key: string, ahead: boolean): Promise<void> {
    if (f.started) return;
    f.started = true;
    if (ahead) this.stats.readAheadBlocks += 1;
    else this.stats.demandFetches += 1;
    try {
      const blocks = await this.loader.load(pin, blockNo, this.signal);
      for (const [n, buf] of blocks) {
        const k = n === blockNo ? key : blockKey(pin, n);
        this.cache.set(k, buf);
        if (n !== blockNo) this.settleExtra(k, buf);
      }
      const mine = blocks.get(blockNo);
      if (mine) f.resolve(mine);
      else f.reject(new ContentError('EIO', `the download did not contain block ${blockNo}`));
    } catch (err) {
      if (ahead) this.stats.readAheadErrors += 1;
      f.reject(err);
    } finally {
      if (this.fetches.get(key) === f) this.fetches.delete(key);
    }
  }

  /** A whole-file answer brought a block someone queued a fetch for: that fetch need not run. */
  private settleExtra(key: string, buf: Buffer): void {
    const f = this.fetches.get(key);
    if (!f || f.started) return;
    f.started = true;
    this.fetches.delete(key);
    f.resolve(buf);
  }
}
