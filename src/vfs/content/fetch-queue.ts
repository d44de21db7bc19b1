import pLimit, { type LimitFunction } from 'p-limit';
import type { BlockCache } from './block-cache.js';
import type { BlockLoader } from './block-loader.js';
import type { Pin } from './download-urls.js';
import { ContentError } from './errors.js';
import type { SpanCopy } from './range-fetch.js';
import type { ContentStats } from './stats.js';

/** Consecutive blocks of one version asked for with one range GET. */
interface Run {
  pin: Pin;
  first: number;
  last: number;
  started: boolean;
}

/** Takes a block's bytes; the buffer is only valid during the call. */
export type BlockSink = (blockNo: number, buf: Buffer) => void;

/**
 * A block on its way. Whoever wants its bytes leaves a sink, called the moment they arrive (the
 * buffer they come in is reused for the next block); the promise says when that happened, or why not.
 */
interface Pending {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
  run: Run;
  sinks: BlockSink[];
}

/** The cache key of a block: the content version is part of it, so versions never share a block. */
export function blockKey(pin: Pin, blockNo: number): string {
  return `${pin.driveId}/${pin.itemId}/${pin.version}/${blockNo}`;
}

/**
 * Block fetches in flight, by block, grouped into runs: consecutive missing blocks go out as one
 * range GET (at most `maxRunBlocks`) and each block is settled as soon as its bytes are in, so a
 * long run costs the first block no latency. Two bounds on runs in flight: one p-limit for runs a
 * read waits for, one for read-ahead. A read that needs a block of a run still queued for
 * read-ahead starts that run at once instead of waiting its turn behind other read-ahead.
 */
export class FetchQueue {
  private readonly pending = new Map<string, Pending>();
  /** Runs whose GET is still going (their blocks may all be delivered while the body ends). */
  private readonly running = new Set<Promise<void>>();
  private readonly demandLimit: LimitFunction;
  private readonly aheadLimit: LimitFunction;
  /** Span fetches waiting for a demand slot: close() fails them (a cleared p-limit queue never settles). */
  private readonly spansWaiting = new Set<(err: unknown) => void>();

  constructor(
    private readonly loader: BlockLoader,
    private readonly cache: BlockCache,
    private readonly stats: ContentStats,
    private readonly signal: AbortSignal,
    maxInflight: number,
    private readonly maxRunBlocks: number,
  ) {
    this.demandLimit = pLimit(maxInflight);
    this.aheadLimit = pLimit(maxInflight);
  }

  /**
   * The blocks a read waits for (ascending, none of them cached). Missing ones are fetched at
   * once; the run holding the last of them continues through `aheadTo` while those blocks are
   * neither cached nor on their way, so a sequential reader's demand and read-ahead share a GET.
   */
  demand(pin: Pin, blocks: readonly number[], aheadTo: number, sink: BlockSink): Promise<void>[] {
    const out: Promise<void>[] = [];
    let run: Run | undefined;
    for (const b of blocks) {
      const key = blockKey(pin, b);
      let p = this.pending.get(key);
      if (p) {
        if (!p.run.started) this.start(p.run, false);
      } else {
        if (run && run.last === b - 1 && this.room(run)) run.last = b;
        else {
          if (run) this.start(run, false);
          run = { pin, first: b, last: b, started: false };
        }
        p = this.track(key, run);
      }
      p.sinks.push(sink);
      out.push(p.promise);
    }
    if (run) {
      if (run.last === blocks[blocks.length - 1]) this.extend(run, aheadTo);
      this.start(run, false);
    }
    return out;
  }

  /** Fetches the blocks in [from, to] that are neither cached nor on their way; failures only count. */
  ahead(pin: Pin, from: number, to: number): void {
    let run: Run | undefined;
    for (let b = from; b <= to; b++) {
      const key = blockKey(pin, b);
      if (this.pending.has(key) || this.cache.has(key)) {
        if (run) this.start(run, true);
        run = undefined;
        continue;
      }
      if (run && this.room(run)) run.last = b;
      else {
        if (run) this.start(run, true);
        run = { pin, first: b, last: b, started: false };
      }
      this.track(key, run);
      this.stats.readAheadBlocks += 1;
    }
    if (run) this.start(run, true);
  }

  /** Whether a block is on its way (demand or read-ahead). */
  fetching(pin: Pin, blockNo: number): boolean {
    return this.pending.has(blockKey(pin, blockNo));
  }

  /**
   * A random read's own bytes: one range GET for [start, end), bytes [from, to) copied into
   * `target` at `at`. Nothing is cached, except the blocks of a small file the server answered
   * whole. Counts against the same in-flight bound as the block fetches reads wait for.
   */
  span(pin: Pin, start: number, end: number, copy: SpanCopy) {
    this.stats.spanFetches += 1;
    return new Promise<void>((resolve, reject) => {
      this.spansWaiting.add(reject);
      void this.demandLimit(async () => {
        if (!this.spansWaiting.delete(reject)) return;
        const load = this.loader.loadSpan(
          pin,
          start,
          end,
          copy,
          (n, buf) => this.deliver(pin, n, buf),
          this.signal,
        );
        try {
          await this.tracked(load);
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  /** Resolves once nothing is in flight or queued. */
  async idle(): Promise<void> {
    while (this.pending.size > 0 || this.running.size > 0)
      await Promise.allSettled([...this.pending.values()].map((p) => p.promise).concat([...this.running]));
  }

  /** Fails every block whose run has not started; the loader's signal ends the others. */
  close(): void {
    this.aheadLimit.clearQueue();
    this.demandLimit.clearQueue();
    for (const reject of this.spansWaiting)
      reject(new ContentError('EBADF', 'the content reader was closed'));
    this.spansWaiting.clear();
    for (const [key, p] of this.pending) {
      if (p.run.started) continue;
      this.pending.delete(key);
      p.reject(new ContentError('EBADF', 'the content reader was closed'));
    }
  }

  private room(run: Run): boolean {
    return run.last - run.first + 1 < this.maxRunBlocks;
  }

  private extend(run: Run, to: number): void {
    while (run.last < to && this.room(run)) {
      const key = blockKey(run.pin, run.last + 1);
      if (this.pending.has(key) || this.cache.has(key)) break;
      run.last += 1;
      this.track(key, run);
      this.stats.readAheadBlocks += 1;
    }
  }

  private track(key: string, run: Run): Pending {
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Read-ahead may fail with nobody waiting; whoever waits still sees the rejection.
    promise.catch(() => {});
    const p: Pending = { promise, resolve, reject, run, sinks: [] };
    this.pending.set(key, p);
    return p;
  }

  private start(run: Run, ahead: boolean): void {
    void (ahead ? this.aheadLimit : this.demandLimit)(() => this.exec(run, ahead));
  }

  private async exec(run: Run, ahead: boolean): Promise<void> {
    if (run.started) return;
    run.started = true;
    if (!ahead) this.stats.demandFetches += 1;
    // A whole-file answer to another run may have brought some blocks already: ask for the rest.
    let { first, last } = run;
    while (first <= last && !this.owns(run, first)) first++;
    while (last >= first && !this.owns(run, last)) last--;
    if (first > last) return;
    const load = this.loader.load(
      run.pin,
      first,
      last,
      (n, buf) => this.deliver(run.pin, n, buf),
      this.signal,
    );
    try {
      await this.tracked(load);
    } catch (err) {
      if (ahead) this.stats.readAheadErrors += 1;
      this.fail(run, err);
    } finally {
      this.fail(run, new ContentError('EIO', `the download did not contain blocks ${first}-${last}`));
    }
  }

  /** Awaits a GET while idle() can see it. */
  private async tracked(load: Promise<void>): Promise<void> {
    const settled = load.then(
      () => {},
      () => {},
    );
    this.running.add(settled);
    try {
      await load;
    } finally {
      this.running.delete(settled);
    }
  }

  private owns(run: Run, b: number): boolean {
    return this.pending.get(blockKey(run.pin, b))?.run === run;
  }

  private deliver(pin: Pin, n: number, buf: Buffer): void {
    const key = blockKey(pin, n);
    this.cache.set(key, buf);
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    for (const sink of p.sinks) sink(n, buf);
    p.resolve();
  }

  /** Rejects the run's blocks that are still waiting. */
  private fail(run: Run, err: unknown): void {
    for (let b = run.first; b <= run.last; b++) {
      const key = blockKey(run.pin, b);
      const p = this.pending.get(key);
      if (p?.run !== run) continue;
      this.pending.delete(key);
      p.reject(err);
    }
  }
}
