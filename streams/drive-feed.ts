import {
  BehaviorSubject,
  catchError,
  defer,
  EMPTY,
  filter,
  finalize,
  firstValueFrom,
  interval,
  map,
  merge,
  type Observable,
  of,
  retry,
  Subject,
  type Subscription,
  switchMap,
  takeUntil,
  timer,
} from 'rxjs';
import { backoffDelay } from '../src/graph/index.js';
import type { AppliedChanges, Index } from '../store/index.js';
import { type DeltaSource, type RunProgress, runDelta } from './delta-run.js';
import { exclusiveRuns } from './exclusive-runs.js';

export type TriggerReason = 'start' | 'webhook' | 'poll' | 'manual' | 'resync';

export interface FeedStatus {
  driveId: string;
  state: 'idle' | 'syncing' | 'retrying' | 'error' | 'stopped';
  /** Rounds started and ended (successfully or given up). */
  started: number;
  ended: number;
  /** Rounds that ended with a deltaLink committed. */
  rounds: number;
  lastSyncAt?: number;
  lastError?: string;
  /** The round in flight, for progress bars. */
  progress?: RunProgress;
}

/** Progress and trouble; `warn` for what an operator should see (a round that keeps failing). */
export type FeedLog = (msg: string, fields?: Record<string, unknown>, level?: 'info' | 'warn') => void;

export interface RetryPolicy {
  /** Attempts of one round before it is given up until the next trigger. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface DriveFeedOptions {
  driveId: string;
  graph: DeltaSource;
  index: Index;
  /** Shoulder taps for this drive (webhook notifications, lifecycle `missed`). */
  wake$?: Observable<unknown>;
  /** Safety-net poll, even with webhooks (notifications get lost); may change over time (webhooks lost or back). */
  pollIntervalMs: number | Observable<number>;
  retry?: Partial<RetryPolicy>;
  top?: number;
  log?: FeedLog;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 8, initialDelayMs: 500, maxDelayMs: 60_000 };

/**
 * One library's feed: triggers (webhook | poll | manual | resync) become delta rounds, never two
 * at once, none lost. A failing round retries with backoff (honouring Retry-After) and resumes
 * from the last committed page; a round that keeps failing marks the feed 'error' until the next
 * trigger, without touching any other drive's feed.
 */
export class DriveFeed {
  readonly applied$ = new Subject<AppliedChanges>();
  readonly status$: BehaviorSubject<FeedStatus>;
  private readonly manual$ = new Subject<TriggerReason>();
  private readonly stop$ = new Subject<void>();
  private readonly sub: Subscription;
  private abort = new AbortController();

  constructor(private readonly opts: DriveFeedOptions) {
    this.status$ = new BehaviorSubject<FeedStatus>({
      driveId: opts.driveId,
      state: 'idle',
      started: 0,
      ended: 0,
      rounds: 0,
    });
    const retryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
    const triggers$: Observable<TriggerReason> = merge(
      of<TriggerReason>('start'),
      (opts.wake$ ?? EMPTY).pipe(map((): TriggerReason => 'webhook')),
      (typeof opts.pollIntervalMs === 'number' ? of(opts.pollIntervalMs) : opts.pollIntervalMs).pipe(
        switchMap((ms) => interval(ms)),
        map((): TriggerReason => 'poll'),
      ),
      this.manual$,
    ).pipe(takeUntil(this.stop$));

    this.sub = triggers$
      .pipe(
        exclusiveRuns((reason) => {
          this.update({ started: this.status$.value.started + 1 });
          return defer(() => this.round(reason)).pipe(
            retry({
              count: retryPolicy.attempts - 1,
              delay: (err: unknown, attempt: number) => {
                const wait = backoff(err, attempt, retryPolicy);
                this.update({ state: 'retrying', lastError: describe(err) });
                // Throttling and a blip are routine; a third failure in a row is worth a look.
                opts.log?.(
                  'delta round failed; retrying',
                  { driveId: opts.driveId, attempt, waitMs: wait, error: describe(err) },
                  attempt >= 3 ? 'warn' : 'info',
                );
                return timer(wait).pipe(takeUntil(this.stop$));
              },
            }),
            catchError((err: unknown) => {
              this.update({
                state: this.stopped ? 'stopped' : 'error',
                lastError: describe(err),
                progress: undefined,
              });
              opts.log?.(
                'delta round gave up until the next trigger',
                { driveId: opts.driveId, error: describe(err) },
                'warn',
              );
              return EMPTY;
            }),
            finalize(() => this.update({ ended: this.status$.value.ended + 1 })),
          );
        }),
      )
      .subscribe();
  }

  get driveId(): string {
    return this.opts.driveId;
  }

  private get stopped(): boolean {
    return this.status$.value.state === 'stopped';
  }

  /** Asks for a round now (coalesced with one in flight). */
  trigger(reason: TriggerReason = 'manual'): void {
    this.manual$.next(reason);
  }

  /** Throws the index's state away at the next round: a full enumeration into a new generation. */
  async resync(): Promise<void> {
    await this.opts.index.beginResync(this.opts.driveId);
    this.trigger('resync');
  }

  /**
   * Runs a round that starts after this call and resolves with the status once it ended; rejects
   * if that round gave up. Changes made before the call are in the index when it resolves.
   */
  async syncNow(): Promise<FeedStatus> {
    const target = this.status$.value.started + 1;
    const ended = firstValueFrom(
      this.status$.pipe(filter((s) => s.ended >= target || s.state === 'stopped')),
    );
    this.trigger('manual');
    const status = await ended;
    if (status.state === 'error' || status.state === 'stopped') {
      throw new Error(
        `sync of drive ${status.driveId} did not complete: ${status.lastError ?? status.state}`,
      );
    }
    return status;
  }

  stop(): void {
    if (this.stopped) return;
    this.update({ state: 'stopped' });
    this.abort.abort();
    this.stop$.next();
    this.sub.unsubscribe();
    this.applied$.complete();
    this.status$.complete();
  }

  private update(patch: Partial<FeedStatus>): void {
    if (this.status$.closed) return;
    this.status$.next({ ...this.status$.value, ...patch });
  }

  private async round(reason: TriggerReason): Promise<void> {
    if (this.stopped) return;
    this.abort = new AbortController();
    this.update({ state: 'syncing' });
    const done = await runDelta({
      graph: this.opts.graph,
      index: this.opts.index,
      driveId: this.opts.driveId,
      top: this.opts.top,
      signal: this.abort.signal,
      onApplied: (applied, progress) => {
        this.update({ progress });
        if (applied.upserted.length || applied.deleted.length) this.applied$.next(applied);
      },
    });
    this.update({
      state: 'idle',
      rounds: this.status$.value.rounds + 1,
      lastSyncAt: Date.now(),
      lastError: undefined,
      progress: done,
    });
    if (reason === 'resync')
      this.opts.log?.('resync complete', { driveId: this.opts.driveId, items: done.items });
  }
}

export function backoff(err: unknown, attempt: number, policy: RetryPolicy): number {
  const retryAfter = (err as { retryAfterMs?: number } | null)?.retryAfterMs;
  if (typeof retryAfter === 'number' && retryAfter >= 0) return retryAfter;
  return Math.round(backoffDelay(attempt, policy.initialDelayMs, policy.maxDelayMs));
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
