/**
 * Per-handle access pattern. A read that starts near where the previous one ended is sequential
 * and grows the read-ahead window (1, 2, 4 … `max` blocks), doubling each time the reader moves
 * into a new block; anything else is random and closes the window, so random access fetches only
 * the blocks it touches. "Near" is within one block either way: the kernel sends a sequential
 * reader's requests concurrently, and they can arrive slightly out of order.
 */
export class ReadAhead {
  private end: number | undefined;
  private lastBlock = -1;
  private window = 0;

  constructor(
    private readonly blockSize: number,
    private readonly max: number,
  ) {}

  /** Records a read of [start, end) and returns how many blocks past it to fetch ahead. */
  observe(start: number, end: number): number {
    const block = Math.floor((end - 1) / this.blockSize);
    const sequential = this.end !== undefined && Math.abs(start - this.end) <= this.blockSize;
    if (!sequential) this.window = 0;
    else if (this.window === 0) this.window = Math.min(1, this.max);
    else if (block > this.lastBlock) this.window = Math.min(this.window * 2, this.max);
    this.end = sequential ? Math.max(this.end!, end) : end;
    this.lastBlock = sequential ? Math.max(this.lastBlock, block) : block;
    return this.window;
  }
}
