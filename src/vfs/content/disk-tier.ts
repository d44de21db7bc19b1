import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ByteLru } from './lru.js';

export interface DiskTierOptions {
  dir: string;
  maxBytes: number;
}

/** Evicted blocks waiting to reach the disk are held in memory; past this they are dropped instead. */
const MAX_PENDING_BYTES = 64 * 2 ** 20;

export interface DiskTierStats {
  bytes: number;
  entries: number;
  hits: number;
  misses: number;
  writes: number;
  writeErrors: number;
  /** Files that did not hold what the index expected (wrong key, wrong length): dropped, not served. */
  rejected: number;
  /** Blocks not spilled because too many writes were pending. */
  skipped: number;
}

interface Entry {
  bytes: number;
  /** The bytes until the file is complete, so a read never sees a half-written file. */
  pending: Buffer | undefined;
  written: Promise<boolean>;
}

const MAGIC = Buffer.from('deltafs-block-1\n');
const BLOCK_FILE = /^[0-9a-f]{64}\.blk$/;

/**
 * The second cache tier: blocks evicted from memory, one file each, LRU within `maxBytes`. A file
 * starts with its key, so a file can only ever answer for the key it was written for, and the
 * length is checked on every read. Files of an earlier run are removed at start: the index that
 * named them lived in that process.
 */
export class DiskTier {
  readonly stats: DiskTierStats = {
    bytes: 0,
    entries: 0,
    hits: 0,
    misses: 0,
    writes: 0,
    writeErrors: 0,
    rejected: 0,
    skipped: 0,
  };
  private readonly lru = new ByteLru<Entry>();
  private readonly dir: string;
  private readonly maxBytes: number;
  private pendingBytes = 0;
  /** Per key, the last file operation: a write and a later unlink of the same file never overtake each other. */
  private readonly ops = new Map<string, Promise<unknown>>();

  constructor(opts: DiskTierOptions) {
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes;
    mkdirSync(this.dir, { recursive: true });
    for (const name of readdirSync(this.dir))
      if (BLOCK_FILE.test(name)) rmSync(join(this.dir, name), { force: true });
  }

  /** The file that holds `key` (tests use it to damage one). */
  pathOf(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex')}.blk`);
  }

  has(key: string): boolean {
    return this.lru.has(key);
  }

  put(key: string, buf: Buffer): void {
    if (this.lru.get(key)) return;
    if (buf.length > this.maxBytes || this.pendingBytes + buf.length > MAX_PENDING_BYTES) {
      this.stats.skipped += 1;
      return;
    }
    this.pendingBytes += buf.length;
    const entry: Entry = { bytes: buf.length, pending: buf, written: Promise.resolve(false) };
    entry.written = this.serial(key, () => this.write(key, buf)).then(
      () => {
        this.stats.writes += 1;
        return true;
      },
      () => {
        this.stats.writeErrors += 1;
        if (this.lru.peek(key) === entry) this.drop(key, entry);
        return false;
      },
    );
    void entry.written.finally(() => {
      entry.pending = undefined;
      this.pendingBytes -= buf.length;
    });
    this.lru.set(key, entry, buf.length);
    for (const [k, e] of this.lru.trim(this.maxBytes)) this.unlinkLater(k, e);
    this.sync();
  }

  async get(key: string): Promise<Buffer | undefined> {
    const entry = this.lru.get(key);
    if (entry?.pending) {
      this.stats.hits += 1;
      return entry.pending;
    }
    if (!entry || !(await entry.written)) {
      this.stats.misses += 1;
      return undefined;
    }
    let data: Buffer;
    try {
      data = await readFile(this.pathOf(key));
    } catch {
      // Evicted and unlinked while we waited, or removed behind our back.
      if (this.lru.peek(key) === entry) this.drop(key, entry);
      this.stats.misses += 1;
      return undefined;
    }
    const body = parseBlockFile(data, key, entry.bytes);
    if (!body) {
      this.stats.rejected += 1;
      if (this.lru.peek(key) === entry) this.drop(key, entry);
      return undefined;
    }
    this.stats.hits += 1;
    return body;
  }

  /** Waits for pending writes, then removes every file this tier wrote. */
  async close(): Promise<void> {
    for (const key of [...this.lru.keys()]) this.unlinkLater(key, this.lru.delete(key)!);
    this.sync();
    while (this.ops.size > 0) await Promise.allSettled([...this.ops.values()]);
  }

  private async write(key: string, buf: Buffer): Promise<void> {
    const header = Buffer.alloc(MAGIC.length + 4);
    MAGIC.copy(header);
    const keyBytes = Buffer.from(key, 'utf8');
    header.writeUInt32LE(keyBytes.length, MAGIC.length);
    const fh = await open(this.pathOf(key), 'w');
    try {
      await fh.writev([header, keyBytes, buf]);
    } finally {
      await fh.close();
    }
  }

  private drop(key: string, entry: Entry): void {
    this.lru.delete(key);
    this.unlinkLater(key, entry);
    this.sync();
  }

  private unlinkLater(key: string, entry: Entry): void {
    void this.serial(key, async () => {
      if (await entry.written) await unlink(this.pathOf(key)).catch(() => {});
    });
  }

  private serial(key: string, fn: () => Promise<void>): Promise<void> {
    const run = (this.ops.get(key) ?? Promise.resolve()).then(fn, fn);
    const settled = run.catch(() => {});
    this.ops.set(key, settled);
    void settled.then(() => {
      if (this.ops.get(key) === settled) this.ops.delete(key);
    });
    return run;
  }

  private sync(): void {
    this.stats.bytes = this.lru.bytes;
    this.stats.entries = this.lru.size;
  }
}

/** The block in a file, or undefined when the file is not the block `key` of `bytes` bytes. */
function parseBlockFile(data: Buffer, key: string, bytes: number): Buffer | undefined {
  const keyAt = MAGIC.length + 4;
  if (data.length < keyAt || !data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const keyLen = data.readUInt32LE(MAGIC.length);
  const bodyAt = keyAt + keyLen;
  if (data.length !== bodyAt + bytes) return undefined;
  if (data.toString('utf8', keyAt, bodyAt) !== key) return undefined;
  return data.subarray(bodyAt);
}
