import { DiskTier, type DiskTierStats } from './disk-tier.js';
import { ByteLru } from './lru.js';

export interface BlockCacheOptions {
  /** Memory bound: the bytes of all blocks held never exceed it. */
  maxBytes: number;
  /** Spill blocks evicted from memory to files here (an optional second tier). */
  diskDir?: string;
  /** Disk tier bound (default 1 GiB). */
  diskMaxBytes?: number;
}

export interface BlockCacheStats {
  bytes: number;
  entries: number;
  maxBytes: number;
  hits: number;
  misses: number;
  evictions: number;
  disk: DiskTierStats | undefined;
}

/**
 * Content blocks by key, LRU within a byte bound, with an optional disk tier below. Keys carry the
 * content version (`drive/item/cTag/blockNo`), so a block of one version can never answer for
 * another; stale versions simply age out. Cached buffers are shared: callers must not write to them.
 */
export class BlockCache {
  readonly maxBytes: number;
  private readonly mem = new ByteLru<Buffer>();
  private readonly disk: DiskTier | undefined;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(opts: BlockCacheOptions) {
    this.maxBytes = opts.maxBytes;
    this.disk = opts.diskDir
      ? new DiskTier({ dir: opts.diskDir, maxBytes: opts.diskMaxBytes ?? 2 ** 30 })
      : undefined;
  }

  /** From memory only, synchronously (the hot path). */
  get(key: string): Buffer | undefined {
    const buf = this.mem.get(key);
    if (buf) this.hits += 1;
    else this.misses += 1;
    return buf;
  }

  /** From the disk tier (promoted back to memory), for a key `get` did not find. */
  async fromDisk(key: string): Promise<Buffer | undefined> {
    if (!this.disk?.has(key)) return undefined;
    const buf = await this.disk.get(key);
    if (buf) this.set(key, buf);
    return buf;
  }

  /** Whether either tier holds the key (no recency change): read-ahead skips such blocks. */
  has(key: string): boolean {
    return this.mem.has(key) || (this.disk?.has(key) ?? false);
  }

  onDisk(key: string): boolean {
    return this.disk?.has(key) ?? false;
  }

  set(key: string, buf: Buffer): void {
    if (buf.length > this.maxBytes) {
      this.disk?.put(key, buf);
      return;
    }
    this.mem.set(key, buf, buf.length);
    for (const [k, evicted] of this.mem.trim(this.maxBytes)) {
      this.evictions += 1;
      this.disk?.put(k, evicted);
    }
  }

  get stats(): BlockCacheStats {
    return {
      bytes: this.mem.bytes,
      entries: this.mem.size,
      maxBytes: this.maxBytes,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      disk: this.disk ? { ...this.disk.stats } : undefined,
    };
  }

  /** The disk tier's file for a key, if there is a disk tier. */
  diskPathOf(key: string): string | undefined {
    return this.disk?.pathOf(key);
  }

  /** Finishes pending disk writes and removes the disk tier's files. */
  async close(): Promise<void> {
    await this.disk?.close();
  }
}
