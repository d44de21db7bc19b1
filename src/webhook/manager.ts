import { EMPTY, filter, map, merge, type Observable, Subject, type Subscription } from 'rxjs';
import type { BackoffOptions } from './backoff.js';
import { DriveSubscription, type ManagerStats, message } from './drive-subscription.js';
import type { WebhookReceiver } from './receiver.js';
import type { SubscriptionApi } from './subscription-api.js';
import type { DeliveryMode, LifecycleNotice, ModeChange, Wake, WebhookLog } from './types.js';

/** Graph's limit for driveItem subscriptions (42,300 minutes, about 29.4 days). */
export const MAX_LIFETIME_MS = 42_300 * 60_000;
/** Room for clock skew: asking for a hair over Graph's limit is a 400. */
const SKEW_MS = 5 * 60_000;

export interface SubscriptionManagerOptions {
  /** The Graph client of the tenant (`GraphClient` satisfies this). */
  api: SubscriptionApi;
  /** Without one (no public URL to offer Graph) every drive is polled, and that is said once. */
  receiver?: WebhookReceiver;
  log?: WebhookLog;
  /**
   * Requested lifetime of each subscription. Default 3 days: a subscription orphaned by a crash
   * keeps Graph POSTing at a dead or reused endpoint until it expires, so shorter is kinder,
   * while renewing costs one PATCH per drive per 2 days. Capped just below Graph's 42,300 min.
   */
  lifetimeMs?: number;
  /**
   * Renew when this fraction of the granted lifetime has passed. Default 2/3: with 3 days, a full
   * day of margin for a renewal that meets throttling or an outage to succeed before expiry.
   */
  renewFraction?: number;
  /** Backoff between failed creates (default 30 s doubling to 30 min). */
  retry?: Partial<BackoffOptions>;
  /** Ask Graph for lifecycle notifications (default true). */
  lifecycleNotifications?: boolean;
  /** close() waits at most this long for the deletes (default 5 s). */
  closeTimeoutMs?: number;
  now?: () => number;
}

const DAY_MS = 86_400_000;
const silent: WebhookLog = { info() {}, warn() {} };

/**
 * Keeps one change-notification subscription per drive of a tenant and turns everything Graph
 * says about them into `wake$`: "run delta for this drive now". Falls back to polling per drive
 * when a subscription cannot be had, and keeps trying to get one.
 */
export class SubscriptionManager {
  readonly stats: ManagerStats = {
    created: 0,
    createFailures: 0,
    renewed: 0,
    renewFailures: 0,
    recreated: 0,
    deleted: 0,
    deleteFailures: 0,
  };
  /** Verified notifications, `missed` events and (re)creations, per drive. */
  readonly wake$: Observable<Wake>;
  /** Each change of a drive's delivery mode; the streams layer polls faster while 'polling'. */
  readonly mode$: Observable<ModeChange>;

  private readonly drives = new Map<string, DriveSubscription>();
  private readonly pollingOnly = new Set<string>();
  private readonly wakes = new Subject<Wake>();
  private readonly modes = new Subject<ModeChange>();
  private readonly lifecycle: Subscription | undefined;
  private readonly log: WebhookLog;
  private readonly now: () => number;
  private readonly lifetimeMs: number;
  private readonly renewFraction: number;
  private noReceiverSaid = false;
  private closed = false;

  constructor(private readonly opts: SubscriptionManagerOptions) {
    this.log = opts.log ?? silent;
    this.now = opts.now ?? Date.now;
    this.lifetimeMs = Math.min(opts.lifetimeMs ?? 3 * DAY_MS, MAX_LIFETIME_MS - SKEW_MS);
    if (!(this.lifetimeMs > 0)) throw new RangeError('lifetimeMs must be positive');
    this.renewFraction = opts.renewFraction ?? 2 / 3;
    if (!(this.renewFraction > 0 && this.renewFraction < 1))
      throw new RangeError('renewFraction must be between 0 and 1');
    const receiver = opts.receiver;
    const notified: Observable<Wake> = receiver
      ? receiver.changes$.pipe(
          filter(
            (n) => n.driveId !== undefined && this.drives.get(n.driveId)?.subscriptionId === n.subscriptionId,
          ),
          map((n) => ({ driveId: n.driveId!, reason: 'notification' as const, at: n.receivedAt })),
        )
      : EMPTY;
    this.wake$ = merge(notified, this.wakes);
    this.mode$ = this.modes.asObservable();
    this.lifecycle = receiver?.lifecycle$.subscribe((n) => this.onLifecycle(n));
  }

  /**
   * Subscribes to `driveId` (once; later calls return the current mode). Resolves after the first
   * attempt: 'webhook' when a subscription exists, 'polling' when it failed and a retry is scheduled.
   * The receiver must be listening already, since Graph validates the URL during the create.
   */
  async ensure(driveId: string): Promise<DeliveryMode> {
    if (this.closed) throw new Error('subscription manager is closed');
    const receiver = this.opts.receiver;
    if (!receiver) return this.pollOnly(driveId);
    if (!receiver.listening)
      throw new Error('webhook receiver is not listening: call listen() before ensure()');
    let drive = this.drives.get(driveId);
    if (drive) {
      // A concurrent first call may still be creating: answer with its outcome, not 'pending'.
      await drive.settled();
    } else {
      drive = this.newDrive(driveId, receiver);
      this.drives.set(driveId, drive);
      await drive.start();
    }
    return drive.mode;
  }

  mode(driveId: string): DeliveryMode {
    return this.drives.get(driveId)?.mode ?? 'polling';
  }

  /** The live subscription of `driveId`, if any. */
  subscriptionId(driveId: string): string | undefined {
    return this.drives.get(driveId)?.subscriptionId;
  }

  /** Stops watching `driveId` and deletes its subscription. */
  async remove(driveId: string): Promise<void> {
    this.pollingOnly.delete(driveId);
    const drive = this.drives.get(driveId);
    if (!drive) return;
    this.drives.delete(driveId);
    await drive.stop();
  }

  /**
   * Deletes every subscription (best effort, at most `closeTimeoutMs`) so Graph stops POSTing
   * to an endpoint that is going away. The receiver is the caller's to close, afterwards.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lifecycle?.unsubscribe();
    const drives = [...this.drives.values()];
    this.drives.clear();
    const limit = this.opts.closeTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), limit);
      timer.unref();
    });
    const done = Promise.all(drives.map((d) => d.stop())).then(() => false);
    if (await Promise.race([done, timedOut])) {
      this.log.warn(
        { limitMs: limit },
        'webhook subscriptions not all deleted in time; Graph drops them at expiry',
      );
    }
    clearTimeout(timer);
    this.wakes.complete();
    this.modes.complete();
  }

  private newDrive(driveId: string, receiver: WebhookReceiver): DriveSubscription {
    return new DriveSubscription(driveId, {
      api: this.opts.api,
      receiver,
      lifetimeMs: this.lifetimeMs,
      renewFraction: this.renewFraction,
      retry: { initialMs: 30_000, maxMs: 30 * 60_000, ...this.opts.retry },
      lifecycleNotifications: this.opts.lifecycleNotifications ?? true,
      now: this.now,
      stats: this.stats,
      log: this.log,
      onSubscribed: () => this.wakes.next({ driveId, reason: 'subscribed', at: this.now() }),
      onMode: (mode, previous, err) => {
        // Said once per change of mode, not per failed retry: a drive without webhooks is one fact.
        if (mode === 'polling') {
          this.log.warn(
            { driveId, err: message(err) },
            `webhooks unavailable for drive ${driveId}, falling back to polling`,
          );
        } else if (previous === 'polling') {
          this.log.info({ driveId }, `webhooks available again for drive ${driveId}`);
        }
        this.modes.next({ driveId, mode });
      },
    });
  }

  private pollOnly(driveId: string): DeliveryMode {
    if (!this.noReceiverSaid) {
      this.noReceiverSaid = true;
      this.log.warn({}, 'no webhook receiver (no public URL): every drive falls back to polling');
    }
    if (!this.pollingOnly.has(driveId)) {
      this.pollingOnly.add(driveId);
      this.modes.next({ driveId, mode: 'polling' });
    }
    return 'polling';
  }

  private onLifecycle(n: LifecycleNotice): void {
    const drive = n.driveId === undefined ? undefined : this.drives.get(n.driveId);
    if (!drive || drive.subscriptionId !== n.subscriptionId) return;
    switch (n.event) {
      case 'reauthorizationRequired':
        // A renewal also reauthorizes, and moves the expiry on as well.
        void drive.renewNow();
        return;
      case 'subscriptionRemoved':
        void drive.replace(n.subscriptionId);
        return;
      case 'missed':
        this.wakes.next({ driveId: drive.driveId, reason: 'missed', at: n.receivedAt });
        return;
    }
  }
}
