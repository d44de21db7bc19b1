/**
 * Per-handle access pattern. A read that starts near where the previous one ended is sequential
 * and grows the read-ahead window (1, 2, 4 … `max` blocks), doubling each time the reader moves
 * into a new block; anything else is random and closes the window, so random access fetches only
 * the blocks it touches, or only its own bytes when they are a small part of them (see `random`).
 * "Near" is within two blocks (at least 256 KiB) either way: the kernel sends a sequential
 * reader's requests concurrently, and they can arrive slightly out of order.
 *
 * The window is topped up in steps of a quarter of it, not block by block: a reader moving one
 * block on would otherwise make every read ask for one more block at the window's far end, and
 * small blocks would then mean many small range GETs. In steps, the fetch queue can send each
 * step as one larger GET, while at least three quarters of the window stay ahead of the reader.
 *
 * Blocks a sequential reader has passed are dropped from the cache (drop-behind, see `passed`):
 * the kernel's page cache holds those pages already (auto_cache keeps them across opens while
 * the file is unchanged), and a second copy of a streamed file would push out the blocks random
 * readers come back to. It also keeps a stream within the few cache slots it cycles through.
 */
export class ReadAhead {
  private end: number | undefined;
  private lastBlock = -1;
  private window = 0;
  /** The last block read-ahead has asked for. */
  private asked = -1;
  private readonly near: number;
  private jumped = true;

  constructor(
    private readonly blockSize: number,
    private readonly max: number,
  ) {
    this.near = Math.max(2 * blockSize, 256 * 1024);
  }

  /**
   * The last block a sequential reader has left behind for good (two blocks of slack for requests
   * that arrive out of order), or -1 while the access is not sequential.
   */
  get passed(): number {
    return this.window > 0 ? this.lastBlock - 2 : -1;
  }

  /**
   * Whether the last read observed was random: it did not follow on from the one before, and did
   * not start at offset 0. A read at 0 counts as the start of a stream (as the kernel's
   * read-ahead takes it: its first request at 0 is small, 16 KiB, and the next follows on), so
   * it is worth a whole block; a small random read is not (only its own bytes are fetched).
   */
  get random(): boolean {
    return this.jumped;
  }

  /**
   * Records a read of [start, end) and returns the last block to have fetched ahead of it now,
   * or -1 when nothing needs asking for (random access, or the window is still full enough).
   */
  observe(start: number, end: number): number {
    const block = Math.floor((end - 1) / this.blockSize);
    const sequential = this.end !== undefined && Math.abs(start - this.end) <= this.near;
    this.jumped = !sequential && start !== 0;
    if (!sequential) this.window = 0;
    else if (this.window === 0) this.window = Math.min(1, this.max);
    else if (block > this.lastBlock) this.window = Math.min(this.window * 2, this.max);
    this.end = sequential ? Math.max(this.end!, end) : end;
    this.lastBlock = sequential ? Math.max(this.lastBlock, block) : block;
    if (this.window === 0) {
      this.asked = -1;
      return -1;
    }
    const target = this.lastBlock + this.window;
    const step = Math.max(1, this.window >> 2);
    if (target - Math.max(this.asked, this.lastBlock) < step) return -1;
    this.asked = target;
    return target;
  }
}
