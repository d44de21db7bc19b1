import { setMaxListeners } from 'node:events';
import type { GraphClient } from '../../graph/index.js';
import { BlockCache } from './block-cache.js';
import { BlockLoader } from './block-loader.js';
import { DownloadUrls, type Pin } from './download-urls.js';
import { ContentError } from './errors.js';
import { type BlockSink, blockKey, FetchQueue } from './fetch-queue.js';
import { type BlockSource, type ContentHandle, Handle } from './handle.js';
import { RangeFetcher } from './range-fetch.js';
import { ReadAhead } from './read-ahead.js';
import { type ContentStats, emptyStats } from './stats.js';

const DEFAULT_BLOCK_SIZE = 128 * 1024;
const DEFAULT_READ_AHEAD_BYTES = 8 * 2 ** 20;
const DEFAULT_RUN_BYTES = 4 * 2 ** 20;
/** A random read's own bytes are fetched aligned out to pages. */
const PAGE = 4096;

/** The version of a file the index knows; open pins the server's current one. */
export interface ContentVersion {
  driveId: string;
  itemId: string;
  size: number;
  /** eTag or cTag the index knows. */
  eTag: string;
  cTag?: string;
}

export interface ContentReaderOptions {
  graph: GraphClient;
  /**
   * Bytes per cache entry (default 128 KiB, one FUSE read request): what a random read fetches,
   * unless it needs at most half of the blocks it touches (the kernel asks for the pages a small
   * pread touches: 8 KiB for 4 KiB at an odd offset); then it fetches just its own 4 KiB pages,
   * uncached. Sequential reads fetch many blocks per range request (see maxRunBytes).
   */
  blockSize?: number;
  /** Shared with other readers if given; otherwise a memory-only cache of `cacheBytes`. */
  cache?: BlockCache;
  /** Memory bound of the cache made when `cache` is not given (default 256 MiB). */
  cacheBytes?: number;
  /** Range requests in flight per reader for reads, and again for read-ahead (default 8 each). */
  maxInflight?: number;
  /** Largest read-ahead window in blocks (default 8 MiB worth of blocks; 0 turns read-ahead off). */
  readAheadMax?: number;
  /** Most bytes one range request asks for; consecutive missing blocks go out together (default 4 MiB). */
  maxRunBytes?: number;
  /** PEM CA to trust for download hosts (the emulator's). */
  caPem?: string;
  /** Keep-alive sockets per download host (default 8). */
  connectionsPerHost?: number;
  /** Refresh a download URL after this age even if it still works (default 50 min). */
  urlMaxAgeMs?: number;
  /** Attempts after the first for transient download failures (default 4). */
  retries?: number;
  /** First retry backoff in ms (default 50). */
  retryBackoffMs?: number;
  /** A silent download host fails the attempt after this long (default 30 s). */
  timeoutMs?: number;
}

/**
 * Reads file content on demand in fixed-size blocks through range GETs on pre-authenticated
 * download URLs, with a version-keyed block cache, coalesced fetches and read-ahead for
 * sequential readers. One reader serves many handles; close it once at unmount.
 */
export class ContentReader {
  readonly stats: ContentStats = emptyStats();
  readonly blockSize: number;
  readonly cache: BlockCache;
  private readonly ownsCache: boolean;
  private readonly readAheadMax: number;
  private readonly urls: DownloadUrls;
  private readonly fetcher: RangeFetcher;
  private readonly queue: FetchQueue;
  private readonly abort = new AbortController();
  private closed = false;
  /** What handles see of the reader; kept off the public surface. */
  private readonly source: BlockSource;

  constructor(opts: ContentReaderOptions) {
    this.blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
    if (!Number.isSafeInteger(this.blockSize) || this.blockSize < 4096)
      throw new RangeError('blockSize must be a whole number of at least 4096 bytes');
    this.source = {
      blockSize: this.blockSize,
      cached: (pin, blockNo) => this.cache.get(blockKey(pin, blockNo)),
      blocks: (pin, first, last, aheadTo, sink) => this.blocks(pin, first, last, aheadTo, sink),
      readAhead: (pin, from, to) => this.readAhead(pin, from, to),
      span: (pin, offset, end, target, at) => this.span(pin, offset, end, target, at),
      release: (pin, from, to) => {
        for (let b = from; b <= to; b++) this.cache.delete(blockKey(pin, b));
      },
    };
    this.ownsCache = !opts.cache;
    this.cache = opts.cache ?? new BlockCache({ maxBytes: opts.cacheBytes ?? 256 * 2 ** 20 });
    this.cache.useSlots(this.blockSize);
    this.readAheadMax = Math.max(
      0,
      opts.readAheadMax ?? Math.ceil(DEFAULT_READ_AHEAD_BYTES / this.blockSize),
    );
    this.urls = new DownloadUrls(opts.graph, this.stats, { maxAgeMs: opts.urlMaxAgeMs });
    this.fetcher = new RangeFetcher({
      caPem: opts.caPem,
      connectionsPerHost: opts.connectionsPerHost,
      timeoutMs: opts.timeoutMs,
    });
    const loader = new BlockLoader(this.urls, this.fetcher, opts.graph.tenant.gate, this.stats, {
      blockSize: this.blockSize,
      retries: opts.retries,
      backoffMs: opts.retryBackoffMs,
    });
    // Every request in flight listens on this one signal.
    setMaxListeners(0, this.abort.signal);
    const maxRunBlocks = Math.max(1, Math.floor((opts.maxRunBytes ?? DEFAULT_RUN_BYTES) / this.blockSize));
    this.queue = new FetchQueue(
      loader,
      this.cache,
      this.stats,
      this.abort.signal,
      opts.maxInflight ?? 8,
      maxRunBlocks,
    );
  }

  /**
   * Pins the server's current version of the file. A download URL fetched earlier for the same
   * version the index names (same eTag or cTag) is reused; otherwise one GET item learns the
   * version (cTag) and a fresh URL.
   */
  async open(v: ContentVersion): Promise<ContentHandle> {
    if (this.closed) throw new ContentError('EBADF', 'the content reader was closed');
    const cached = this.urls.fresh(v.driveId, v.itemId);
    const known = cached && (cached.eTag === v.eTag || (v.cTag !== undefined && cached.cTag === v.cTag));
    const e = known ? cached : await this.urls.lookup(v.driveId, v.itemId, this.abort.signal);
    const pin: Pin = {
      driveId: v.driveId,
      itemId: v.itemId,
      version: e.version,
      tags: [e.cTag, e.eTag].filter((t): t is string => t !== undefined),
      size: e.size,
    };
    return new Handle(this.source, pin, new ReadAhead(this.blockSize, this.readAheadMax));
  }

  private blocks(
    pin: Pin,
    first: number,
    last: number,
    aheadTo: number,
    sink: BlockSink,
  ): Array<Promise<void>> | undefined {
    const waits: Array<Promise<void>> = [];
    const missing: number[] = [];
    for (let b = first; b <= last; b++) {
      const key = blockKey(pin, b);
      const hit = this.cache.get(key);
      if (hit) {
        sink(b, hit);
      } else if (this.cache.onDisk(key)) {
        waits.push(this.fromDisk(pin, b, key, sink));
      } else {
        missing.push(b);
      }
    }
    if (missing.length > 0) waits.push(...this.fetch(pin, missing, aheadTo, sink));
    if (aheadTo > last) this.readAhead(pin, last + 1, aheadTo);
    return waits.length > 0 ? waits : undefined;
  }

  private span(pin: Pin, offset: number, end: number, target: Buffer, at: number): Promise<void> | undefined {
    if (this.closed || pin.changed) return undefined;
    const bs = this.blockSize;
    const start = offset - (offset % PAGE);
    const stop = Math.min(pin.size, Math.ceil(end / PAGE) * PAGE);
    const first = Math.floor(start / bs);
    const last = Math.floor((stop - 1) / bs);
    if (2 * (stop - start) > Math.min(pin.size, (last + 1) * bs) - first * bs) return undefined;
    for (let b = first; b <= last; b++) {
      if (this.cache.has(blockKey(pin, b)) || this.queue.fetching(pin, b)) return undefined;
    }
    return this.queue.span(pin, start, stop, { from: offset, to: end, target, at });
  }

  private readAhead(pin: Pin, from: number, to: number): void {
    if (this.closed || pin.changed) return;
    this.queue.ahead(pin, from, to);
  }

  /** Resolves once no block fetch (read or read-ahead) is in flight: for tests, benchmarks, orderly stops. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Ends every fetch, closes the download connections, and the cache if the reader made it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    this.abort.abort(new ContentError('EBADF', 'the content reader was closed'));
    await this.fetcher.close();
    if (this.ownsCache) await this.cache.close();
  }

  private async fromDisk(pin: Pin, blockNo: number, key: string, sink: BlockSink): Promise<void> {
    const buf = await this.cache.fromDisk(key);
    if (buf) {
      sink(blockNo, buf);
      return;
    }
    await this.fetch(pin, [blockNo], -1, sink)[0];
  }

  private fetch(pin: Pin, blocks: number[], aheadTo: number, sink: BlockSink): Array<Promise<void>> {
    if (pin.changed || this.closed) {
      const err = pin.changed ?? new ContentError('EBADF', 'the content reader was closed');
      return blocks.map(() => Promise.reject(err));
    }
    return this.queue.demand(pin, blocks, aheadTo, sink);
  }
}
