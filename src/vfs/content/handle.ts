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
  close(): void;
}

/** What a handle needs of its reader. */
export interface BlockSource {
  readonly blockSize: number;
  /** The block, synchronously when it is in memory; never fetched once `pin.changed` is set. */
  block(pin: Pin, blockNo: number): Buffer | Promise<Buffer>;
  /** Starts fetching blocks [from, to] that are neither cached nor on their way. */
  readAhead(pin: Pin, from: number, to: number): void;
}

export class Handle implements ContentHandle {
  readonly version: string;
  readonly size: number;
  private closed = false;

  constructor(
    private readonly source: BlockSource,
    private readonly pin: Pin,
    private readonly pattern: ReadAhead,
  ) {
    this.version = pin.version;
    this.size = pin.size;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    if (this.closed) throw new ContentError('EBADF', 'read on a closed content handle');
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0)
      throw new ContentError('EINVAL', `invalid read of ${length} bytes at ${offset}`);
    const end = Math.min(this.size, offset + length);
    if (end <= offset) return Buffer.alloc(0);
    const bs = this.source.blockSize;
    const first = Math.floor(offset / bs);
    const last = Math.floor((end - 1) / bs);
    const parts: Array<Buffer | Promise<Buffer>> = [];
    for (let b = first; b <= last; b++) parts.push(this.block(b));
    // Read-ahead is scheduled after this read's own blocks, so they go out first.
    const window = this.pattern.observe(offset, end);
    const lastBlock = Math.floor((this.size - 1) / bs);
    if (window > 0 && last < lastBlock && !this.pin.changed)
      this.source.readAhead(this.pin, last + 1, Math.min(last + window, lastBlock));
    const blocks = parts.every(Buffer.isBuffer) ? (parts as Buffer[]) : await this.settle(parts);
    const out = Buffer.allocUnsafe(end - offset);
    for (let i = 0; i < blocks.length; i++) {
      const blockStart = (first + i) * bs;
      const from = Math.max(offset, blockStart);
      const to = Math.min(end, blockStart + bs);
      blocks[i]!.copy(out, from - offset, from - blockStart, to - blockStart);
    }
    return out;
  }

  close(): void {
    this.closed = true;
  }

  private block(b: number): Buffer | Promise<Buffer> {
    try {
      return this.source.block(this.pin, b);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private async settle(parts: Array<Buffer | Promise<Buffer>>): Promise<Buffer[]> {
    try {
      return await Promise.all(parts);
    } catch (err) {
      if (err instanceof VersionChangedError) this.pin.changed = err;
      throw err;
    }
  }
}
