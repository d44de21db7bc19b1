import type { Pin } from './download-urls.js';
import { ContentError, VersionChangedError } from './errors.js';
import type { ReadAhead } from './read-ahead.js';

/** An open file's content, pinned to the version it opened with (close-to-open consistency). */
export interface ContentHandle {
  /** The pinned content version (cTag, or eTag when the server has no cTag). */
  readonly version: string;
  /** Size of the pinned version: the server's at open, which may be newer than the index's. */
  readonly size: number;
  /**
   * Up to `length` bytes from `offset`, fewer only at the end of the file (empty at or past it).
   * The buffer is the caller's own. Rejects with VersionChangedError (code ESTALE) once the server
   * has moved on and a block is not cached, or a ContentError with a POSIX code.
   */
  read(offset: number, length: number): Promise<Buffer>;
  /**
   * The same bytes copied into `target` at `at`, straight from the cached blocks; resolves with
   * the count. `target` needs room for `min(length, size - offset)` bytes.
   */
  readInto(offset: number, length: number, target: Buffer, at?: number): Promise<number>;
  /**
   * readInto without waiting: the count when every block the read needs is in memory, undefined
   * otherwise (and then nothing was copied and the read was not counted: call readInto).
   */
  readCached(offset: number, length: number, target: Buffer, at?: number): number | undefined;
  close(): void;
}

/** What a handle needs of its reader. Once `pin.changed` is set, nothing more is fetched. */
export interface BlockSource {
  readonly blockSize: number;
  /** The block if it is in memory, synchronously. */
  cached(pin: Pin, blockNo: number): Buffer | undefined;
  /**
   * Hands blocks [first, last] of a read to `sink` (with the block number), at once for blocks
   * in memory and as their bytes arrive for the others; the promises, if any, settle when that
   * happened or why it could not. Read-ahead extends the fetch through `aheadTo` (-1: none).
   */
  blocks(
    pin: Pin,
    first: number,
    last: number,
    aheadTo: number,
    sink: (blockNo: number, buf: Buffer) => void,
  ): Array<Promise<void>> | undefined;
  /** Starts fetching blocks [from, to] that are neither cached nor on their way. */
  readAhead(pin: Pin, from: number, to: number): void;
  /**
   * For a random read of bytes [offset, end): when they are at most half of the blocks they touch
   * and none of those blocks is cached or on its way, fetches just those bytes (aligned out to
   * 4 KiB) into `target` at `at` and returns the promise of that; otherwise undefined (read blocks).
   */
  span(pin: Pin, offset: number, end: number, target: Buffer, at: number): Promise<void> | undefined;
  /** Drops blocks [from, to] from memory (a sequential reader is done with them). */
  release(pin: Pin, from: number, to: number): void;
}

export class Handle implements ContentHandle {
  readonly version: string;
  readonly size: number;
  private closed = false;
  private readonly lastBlock: number;
  /** Blocks up to here were dropped behind a sequential reader. */
  private released = -1;

  constructor(
    private readonly source: BlockSource,
    private readonly pin: Pin,
    private readonly pattern: ReadAhead,
  ) {
    this.version = pin.version;
    this.size = pin.size;
    this.lastBlock = Math.floor((pin.size - 1) / source.blockSize);
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const end = this.end(offset, length);
    const out = Buffer.allocUnsafe(Math.max(0, end - offset));
    if (out.length > 0) await this.readInto(offset, length, out, 0);
    return out;
  }

  readCached(offset: number, length: number, target: Buffer, at = 0): number | undefined {
    const end = this.end(offset, length);
    if (end <= offset) return 0;
    const bs = this.source.blockSize;
    const first = Math.floor(offset / bs);
    const last = Math.floor((end - 1) / bs);
    // The common case, one block, without an array.
    if (first === last) {
      const buf = this.source.cached(this.pin, first);
      if (!buf) return undefined;
      const n = buf.copy(target, at, offset - first * bs, end - first * bs);
      this.aheadOf(offset, end, last);
      return n;
    }
    const bufs: Buffer[] = [];
    for (let b = first; b <= last; b++) {
      const buf = this.source.cached(this.pin, b);
      if (!buf) return undefined;
      bufs.push(buf);
    }
    const n = copyBlocks(bufs, first, bs, offset, end, target, at);
    this.aheadOf(offset, end, last);
    return n;
  }

  async readInto(offset: number, length: number, target: Buffer, at = 0): Promise<number> {
    const end = this.end(offset, length);
    if (end <= offset) return 0;
    const bs = this.source.blockSize;
    const first = Math.floor(offset / bs);
    const last = Math.floor((end - 1) / bs);
    const aheadTo = Math.min(this.pattern.observe(offset, end), this.lastBlock);
    // A small random read costs one round trip for its own bytes, not the transfer of whole blocks.
    if (this.pattern.random) {
      const span = this.source.span(this.pin, offset, end, target, at);
      if (span) {
        await this.settle([span]);
        return end - offset;
      }
    }
    // This read's own blocks go out first, read-ahead after them (in the same GET when they follow on).
    // Bytes are copied the moment a block is at hand: the buffers they come in are reused.
    const waits = this.source.blocks(this.pin, first, last, aheadTo, (b, buf) => {
      copyBlocks([buf], b, bs, offset, end, target, at);
    });
    if (waits) await this.settle(waits);
    this.dropBehind();
    return end - offset;
  }

  close(): void {
    this.closed = true;
  }

  /** The end of a valid read, clamped to the file; throws for a closed handle or bad arguments. */
  private end(offset: number, length: number): number {
    if (this.closed) throw new ContentError('EBADF', 'read on a closed content handle');
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0)
      throw new ContentError('EINVAL', `invalid read of ${length} bytes at ${offset}`);
    return Math.min(this.size, offset + length);
  }

  /**
   * Counts a read served from memory and keeps a sequential reader's window moving. Runs after
   * the copy: dropping behind or fetching ahead may reuse the slots just read from.
   */
  private aheadOf(offset: number, end: number, last: number): void {
    const aheadTo = Math.min(this.pattern.observe(offset, end), this.lastBlock);
    if (aheadTo > last) this.source.readAhead(this.pin, last + 1, aheadTo);
    this.dropBehind();
  }

  private dropBehind(): void {
    const passed = this.pattern.passed;
    if (passed <= this.released) return;
    // A stream that jumped ahead leaves the blocks before the jump alone: someone else may read them.
    const from = Math.max(this.released + 1, passed - 64);
    this.released = passed;
    this.source.release(this.pin, from, passed);
  }

  private async settle(waits: Array<Promise<unknown>>): Promise<void> {
    try {
      await Promise.all(waits);
    } catch (err) {
      if (err instanceof VersionChangedError) this.pin.changed = err;
      throw err;
    }
  }
}

/** Copies the part of [offset, end) the consecutive blocks from block `first` hold. */
function copyBlocks(
  blocks: readonly Buffer[],
  first: number,
  bs: number,
  offset: number,
  end: number,
  target: Buffer,
  at: number,
): number {
  for (let i = 0; i < blocks.length; i++) {
    const blockStart = (first + i) * bs;
    const from = Math.max(offset, blockStart);
    const to = Math.min(end, blockStart + bs);
    blocks[i]!.copy(target, at + from - offset, from - blockStart, to - blockStart);
  }
  return end - offset;
}
