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
  evictions: number;
  disk: DiskTierStats | undefined;
}

/** A block in memory: a view of an arena slot, or a buffer of its own (slot -1). */
interface Held {
  buf: Buffer;
  slot: number;
}

/**
 * Content blocks by key, LRU within a byte bound, with an optional disk tier below. Keys carry the
 * content version (`drive/item/cTag/blockNo`), so a block of one version can never answer for
 * another; stale versions simply age out.
 *
 * With a slot size set (`useSlots`, which a ContentReader does with its block size), blocks are
 * copied into fixed slots of one arena allocated once, and an evicted block's slot is reused.
 * Retaining fresh buffers instead makes V8 run full collections as the cache fills (their bytes
 * count as external memory). Measured through the mount, 2,048 random 128 KiB reads of a 1 GiB
 * file (each block kept): without slots 25–43 full collections, twice the server's CPU and 37–42
 * MiB/s; with slots none, 54–62 MiB/s. (A sequential reader keeps few blocks, drop-behind: 256 MiB
 * ran the same either way.) The price: a buffer `get` returns is valid until the next `set` (its
 * slot may then hold another block), so callers copy out of it at once and never write to it.
 */
export class BlockCache {
  readonly maxBytes: number;
  private readonly mem = new ByteLru<Held>();
  private readonly disk: DiskTier | undefined;
  private slotBytes = 0;
  private arena: Buffer | undefined;
  private readonly freeSlots: number[] = [];
  private slotsUsed = 0;
  private evictions = 0;

  constructor(opts: BlockCacheOptions) {
    this.maxBytes = opts.maxBytes;
    this.disk = opts.diskDir
      ? new DiskTier({ dir: opts.diskDir, maxBytes: opts.diskMaxBytes ?? 2 ** 30 })
      : undefined;
  }

  /**
   * Makes blocks of up to `slotBytes` live in arena slots from now on. Only the first call counts:
   * readers with another block size that share this cache keep their blocks in buffers of their own.
   */
  useSlots(slotBytes: number): void {
    if (this.slotBytes === 0 && this.mem.size === 0 && slotBytes > 0 && slotBytes <= this.maxBytes)
      this.slotBytes = slotBytes;
  }

  /** From memory only, synchronously (the hot path); valid until the next `set`. */
  get(key: string): Buffer | undefined {
    return this.mem.get(key)?.buf;
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

  /** Stores a copy of `buf`: the caller may reuse its buffer once this returns. */
  set(key: string, buf: Buffer): void {
    if (buf.length > this.maxBytes) {
      this.disk?.put(key, Buffer.from(buf));
      return;
    }
    this.delete(key);
    const slotted = buf.length <= this.slotBytes;
    const bytes = slotted ? this.slotBytes : buf.length;
    for (const [k, evicted] of this.mem.trim(this.maxBytes - bytes)) {
      this.evictions += 1;
      // A slot is about to hold another block: the disk tier, which writes later, gets a copy.
      this.disk?.put(k, evicted.slot < 0 ? evicted.buf : Buffer.from(evicted.buf));
      this.release(evicted);
    }
    const slot = slotted ? this.takeSlot() : -1;
    if (slot < 0) {
      this.mem.set(key, { buf: Buffer.from(buf), slot: -1 }, bytes);
      return;
    }
    const view = this.arena!.subarray(slot * this.slotBytes, slot * this.slotBytes + buf.length);
    buf.copy(view);
    this.mem.set(key, { buf: view, slot }, bytes);
  }

  /** Drops a block from memory (not from the disk tier: nothing is written for it). */
  delete(key: string): void {
    const held = this.mem.delete(key);
    if (held) this.release(held);
  }

  private takeSlot(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    // Allocated once, at the first block: untouched pages cost no memory until a block lands there.
    this.arena ??= Buffer.allocUnsafeSlow(Math.floor(this.maxBytes / this.slotBytes) * this.slotBytes);
    // Cannot happen while the byte bound holds (slots × slot size <= maxBytes); a buffer of its own if it did.
    if ((this.slotsUsed + 1) * this.slotBytes > this.arena.length) return -1;
    return this.slotsUsed++;
  }

  private release(held: Held): void {
    if (held.slot >= 0) this.freeSlots.push(held.slot);
  }

  get stats(): BlockCacheStats {
    return {
      bytes: this.mem.bytes,
      entries: this.mem.size,
      maxBytes: this.maxBytes,
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
