import { BehaviorSubject, EMPTY, filter, merge, type Observable, Subject, switchMap } from 'rxjs';
import type { AppliedChanges, Index } from '../store/index.js';
import type { DeltaSource } from './delta-run.js';
import { DriveFeed, type FeedLog, type FeedStatus, type RetryPolicy } from './drive-feed.js';

export interface SyncEngineOptions {
  index: Index;
  /** Drive ids whose libraries changed (webhook notifications, lifecycle `missed`). */
  wake$?: Observable<string>;
  /** Safety-net poll interval per drive; a function when it depends on the drive's webhook state. */
  pollIntervalMs: number | ((driveId: string) => Observable<number>);
  retry?: Partial<RetryPolicy>;
  top?: number;
  log?: FeedLog;
}

/**
 * Every mapped library's feed, side by side: one failing drive never stalls another. Exposes the
 * applied changes of all drives as one stream, for the file-system layer's cache invalidation.
 */
export class SyncEngine {
  private readonly feeds = new Map<string, DriveFeed>();
  private readonly feeds$ = new BehaviorSubject<DriveFeed[]>([]);
  /** Every committed page's changes, all drives. */
  readonly changes$: Observable<AppliedChanges>;
  private readonly wake$: Observable<string>;

  constructor(private readonly opts: SyncEngineOptions) {
    this.wake$ = opts.wake$ ?? new Subject<string>();
    this.changes$ = this.feeds$.pipe(
      switchMap((feeds) => (feeds.length ? merge(...feeds.map((f) => f.applied$)) : EMPTY)),
    );
  }

  /** Starts following a drive (idempotent). The first round runs at once. */
  add(driveId: string, graph: DeltaSource): DriveFeed {
    const existing = this.feeds.get(driveId);
    if (existing) return existing;
    const feed = new DriveFeed({
      driveId,
      graph,
      index: this.opts.index,
      wake$: this.wake$.pipe(filter((id) => id === driveId)),
      pollIntervalMs:
        typeof this.opts.pollIntervalMs === 'number'
          ? this.opts.pollIntervalMs
          : this.opts.pollIntervalMs(driveId),
      retry: this.opts.retry,
      top: this.opts.top,
      log: this.opts.log,
    });
    this.feeds.set(driveId, feed);
    this.feeds$.next([...this.feeds.values()]);
    return feed;
  }

  feed(driveId: string): DriveFeed | undefined {
    return this.feeds.get(driveId);
  }

  remove(driveId: string): void {
    const feed = this.feeds.get(driveId);
    if (!feed) return;
    feed.stop();
    this.feeds.delete(driveId);
    this.feeds$.next([...this.feeds.values()]);
  }

  statuses(): FeedStatus[] {
    return [...this.feeds.values()].map((f) => f.status$.value);
  }

  /** A round for every drive, started after this call; rejects if any gave up. */
  async syncAll(): Promise<FeedStatus[]> {
    return Promise.all([...this.feeds.values()].map((f) => f.syncNow()));
  }

  close(): void {
    for (const id of [...this.feeds.keys()]) this.remove(id);
    this.feeds$.complete();
  }
}
