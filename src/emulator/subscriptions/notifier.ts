import type { Drive } from '../model/drive.js';
import type { Deliverer } from './delivery.js';
import { changeNotification } from './json.js';
import type { SubscriptionStore } from './store.js';
import type { Timers } from './timers.js';
import type { DeliveryStats, Subscription } from './types.js';

/** Under a steady stream of changes a pure trailing debounce would never fire; this caps the wait. */
const MAX_WAIT_FACTOR = 10;
/**
 * Debounces of drives changed together end a millisecond or two apart (timers are created at
 * different instants, and a busy event loop runs them late); a short gather keeps them in one POST.
 */
const GATHER_MS = 10;

export interface NotifierOptions {
  store: SubscriptionStore;
  deliverer: Deliverer;
  timers: Timers;
  stats: DeliveryStats;
  debounceMs: () => number;
  now: () => number;
  /** A change POST was abandoned: Graph tells these subscriptions' lifecycle URLs it `missed`. */
  onGiveUp: (subs: Subscription[]) => void;
}

/**
 * Turns drive changes into change notifications: debounced per drive, then every subscription
 * due at the same moment is grouped by notificationUrl, so one POST may carry several
 * subscriptions, of different drives too.
 */
export class Notifier {
  private readonly watched = new Map<string, () => void>();
  private readonly pending = new Map<string, { timer: NodeJS.Timeout | undefined; since: number }>();
  private readonly outbox = new Map<string, Map<string, Subscription>>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: NotifierOptions) {}

  watch(drive: Drive): void {
    if (this.watched.has(drive.id)) return;
    this.watched.set(
      drive.id,
      drive.onChange((d) => this.changed(d.id)),
    );
  }

  /** Stops listening to drives nobody subscribes to any more. */
  unwatchIdle(): void {
    const live = new Set(this.o.store.all().map((s) => s.driveId));
    for (const driveId of this.watched.keys()) if (!live.has(driveId)) this.unwatch(driveId);
  }

  close(): void {
    for (const driveId of [...this.watched.keys()]) this.unwatch(driveId);
    this.outbox.clear();
  }

  private unwatch(driveId: string): void {
    this.watched.get(driveId)?.();
    this.watched.delete(driveId);
    this.o.timers.cancel(this.pending.get(driveId)?.timer);
    this.pending.delete(driveId);
  }

  private changed(driveId: string): void {
    const now = this.o.now();
    const debounce = this.o.debounceMs();
    const prev = this.pending.get(driveId);
    this.o.timers.cancel(prev?.timer);
    const since = prev?.since ?? now;
    const wait = Math.max(0, Math.min(debounce, since + debounce * MAX_WAIT_FACTOR - now));
    const timer = this.o.timers.after(wait, () => this.due(driveId));
    this.pending.set(driveId, { timer, since });
  }

  private due(driveId: string): void {
    this.pending.delete(driveId);
    const subs = this.o.store.forDrive(driveId);
    if (subs.length === 0) {
      this.unwatch(driveId);
      return;
    }
    for (const sub of subs) {
      // Keyed by id: a subscription is due at most once per POST.
      const batch = this.outbox.get(sub.notificationUrl) ?? new Map<string, Subscription>();
      batch.set(sub.id, sub);
      this.outbox.set(sub.notificationUrl, batch);
    }
    // Drives whose debounces end within GATHER_MS share the flush, hence one POST per URL.
    this.flushTimer ??= this.o.timers.after(GATHER_MS, () => this.flush());
  }

  private flush(): void {
    this.flushTimer = undefined;
    for (const [url, batch] of this.outbox) {
      const subs = [...batch.values()];
      this.o.stats.notifications++;
      this.o.deliverer.post(
        url,
        { value: subs.map(changeNotification) },
        { applyFaults: true, onGiveUp: () => this.o.onGiveUp(subs) },
      );
    }
    this.outbox.clear();
  }
}
