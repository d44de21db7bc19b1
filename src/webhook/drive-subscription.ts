import { type BackoffOptions, backoffDelay } from './backoff.js';
import { newClientState } from './client-state.js';
import type { WebhookReceiver } from './receiver.js';
import { isGone, type SubscriptionApi, type SubscriptionResult } from './subscription-api.js';
import type { DeliveryMode, WebhookLog } from './types.js';

/** Counters of one manager, summed over its drives. */
export interface ManagerStats {
  created: number;
  createFailures: number;
  renewed: number;
  renewFailures: number;
  /** Subscriptions replaced because Graph no longer had them (404 on renew, expiry, subscriptionRemoved). */
  recreated: number;
  deleted: number;
  deleteFailures: number;
}

export interface DriveSubscriptionDeps {
  api: SubscriptionApi;
  receiver: WebhookReceiver;
  lifetimeMs: number;
  renewFraction: number;
  retry: BackoffOptions;
  lifecycleNotifications: boolean;
  now: () => number;
  stats: ManagerStats;
  log: WebhookLog;
  /** A subscription was (re)created. */
  onSubscribed(): void;
  onMode(mode: DeliveryMode, previous: DeliveryMode | 'pending', err?: unknown): void;
}

/** setTimeout's limit; a renewal scheduled later would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A failing renewal is retried before expiry, but never in a tighter loop than this. */
const MIN_RENEW_RETRY_MS = 1_000;

/**
 * The subscription of one drive through its life: create, renew ahead of expiry, recreate when
 * Graph lost it, delete at the end. Every step runs on one queue, so a lifecycle event that
 * arrives during a timer-driven renewal cannot race it into two subscriptions.
 */
export class DriveSubscription {
  private state: DeliveryMode | 'pending' = 'pending';
  private sub: { id: string; expiresAt: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();
  private failures = 0;
  private stopping = false;

  constructor(
    readonly driveId: string,
    private readonly d: DriveSubscriptionDeps,
  ) {}

  get mode(): DeliveryMode {
    return this.state === 'webhook' ? 'webhook' : 'polling';
  }

  get subscriptionId(): string | undefined {
    return this.sub?.id;
  }

  /** Resolves after the first attempt, successful or not; a failure is retried with backoff. */
  start(): Promise<void> {
    return this.enqueue(() => this.create());
  }

  /** Resolves once the steps queued so far have run. */
  settled(): Promise<void> {
    return this.queue;
  }

  renewNow(): Promise<void> {
    return this.enqueue(() => this.renew());
  }

  /** Graph ended `subscriptionId` itself; a newer subscription of this drive is left alone. */
  replace(subscriptionId: string): Promise<void> {
    return this.enqueue(async () => {
      if (this.sub?.id !== subscriptionId) return;
      this.d.stats.recreated++;
      this.forget();
      await this.create();
    });
  }

  /** Deletes the subscription after whatever step is running; later steps are skipped. */
  stop(): Promise<void> {
    this.stopping = true;
    this.cancelTimer();
    return this.enqueue(() => this.deleteRemote(), true);
  }

  private enqueue(op: () => Promise<void>, whenStopping = false): Promise<void> {
    const run = async () => {
      if (this.stopping && !whenStopping) return;
      try {
        await op();
      } catch (err) {
        // Steps handle Graph's errors themselves; anything reaching here is a defect, not a state.
        this.d.log.warn({ driveId: this.driveId, err: message(err) }, 'webhook subscription step failed');
      }
    };
    this.queue = this.queue.then(run);
    return this.queue;
  }

  private async create(): Promise<void> {
    this.cancelTimer();
    const clientState = newClientState();
    const requested = this.d.now() + this.d.lifetimeMs;
    let created: SubscriptionResult;
    try {
      created = await this.d.api.createSubscription({
        resource: `/drives/${encodeURIComponent(this.driveId)}/root`,
        changeType: 'updated',
        notificationUrl: this.d.receiver.notificationUrl,
        lifecycleNotificationUrl: this.d.lifecycleNotifications
          ? this.d.receiver.lifecycleNotificationUrl
          : undefined,
        expirationDateTime: new Date(requested),
        clientState,
      });
      if (!created.id) throw new Error('Graph answered the subscription create without an id');
    } catch (err) {
      this.d.stats.createFailures++;
      this.setState('polling', err);
      this.schedule(backoffDelay(this.failures++, this.d.retry), () => this.create());
      return;
    }
    this.failures = 0;
    this.d.stats.created++;
    this.d.receiver.register(created.id, clientState, this.driveId);
    this.sub = { id: created.id, expiresAt: expiryOf(created, requested) };
    this.setState('webhook');
    this.scheduleRenew();
    this.d.onSubscribed();
  }

  private async renew(): Promise<void> {
    const sub = this.sub;
    if (!sub) return this.create();
    this.cancelTimer();
    const requested = this.d.now() + this.d.lifetimeMs;
    try {
      const renewed = await this.d.api.renewSubscription(sub.id, new Date(requested));
      sub.expiresAt = expiryOf(renewed, requested);
      this.failures = 0;
      this.d.stats.renewed++;
      this.scheduleRenew();
    } catch (err) {
      const left = sub.expiresAt - this.d.now();
      if (isGone(err) || left <= 0) {
        this.d.stats.recreated++;
        this.forget();
        await this.create();
        return;
      }
      // Throttling or an outage: the subscription still lives until expiry, so keep trying before then.
      this.d.stats.renewFailures++;
      this.d.log.warn(
        { driveId: this.driveId, err: message(err) },
        'webhook subscription renewal failed; retrying',
      );
      const wait = Math.min(
        backoffDelay(this.failures++, this.d.retry),
        Math.max(left / 2, MIN_RENEW_RETRY_MS),
      );
      this.schedule(wait, () => this.renew());
    }
  }

  private async deleteRemote(): Promise<void> {
    this.cancelTimer();
    const sub = this.sub;
    if (!sub) return;
    this.forget();
    try {
      await this.d.api.deleteSubscription(sub.id);
      this.d.stats.deleted++;
    } catch (err) {
      // Not fatal: Graph drops it at expiry, and the receiver already ignores it.
      this.d.stats.deleteFailures++;
      this.d.log.warn({ driveId: this.driveId, err: message(err) }, 'could not delete webhook subscription');
    }
  }

  private forget(): void {
    if (this.sub) this.d.receiver.unregister(this.sub.id);
    this.sub = undefined;
  }

  private scheduleRenew(): void {
    const sub = this.sub!;
    const now = this.d.now();
    this.schedule((sub.expiresAt - now) * this.d.renewFraction, () => this.renew());
  }

  private schedule(ms: number, op: () => Promise<void>): void {
    if (this.stopping) return;
    this.cancelTimer();
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.enqueue(op);
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    this.timer.unref();
  }

  private cancelTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private setState(next: DeliveryMode, err?: unknown): void {
    if (this.state === next) return;
    const previous = this.state;
    this.state = next;
    this.d.onMode(next, previous, err);
  }
}

/** Graph may grant less than asked; its answer rules. */
function expiryOf(res: SubscriptionResult, requested: number): number {
  const at = Date.parse(res.expirationDateTime ?? '');
  return Number.isNaN(at) ? requested : at;
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
