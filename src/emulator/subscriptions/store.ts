import type { Subscription } from './types.js';

/**
 * Live subscriptions of one emulator. Expiry is checked on every read rather than by a timer,
 * so an expired subscription is gone (404, no notifications) at its exact instant.
 */
export class SubscriptionStore {
  private readonly subs = new Map<string, Subscription>();

  constructor(private readonly now: () => number = Date.now) {}

  add(sub: Subscription): void {
    this.subs.set(sub.id, sub);
  }

  get(id: string): Subscription | undefined {
    const sub = this.subs.get(id);
    if (sub && this.expired(sub)) {
      this.subs.delete(id);
      return undefined;
    }
    return sub;
  }

  delete(id: string): Subscription | undefined {
    const sub = this.get(id);
    this.subs.delete(id);
    return sub;
  }

  all(): Subscription[] {
    this.purgeExpired();
    return [...this.subs.values()];
  }

  forDrive(driveId: string): Subscription[] {
    return this.all().filter((s) => s.driveId === driveId);
  }

  /** Removes expired subscriptions and returns them. */
  purgeExpired(): Subscription[] {
    const gone: Subscription[] = [];
    for (const sub of this.subs.values()) {
      if (this.expired(sub)) {
        this.subs.delete(sub.id);
        gone.push(sub);
      }
    }
    return gone;
  }

  private expired(sub: Subscription): boolean {
    return this.now() >= sub.expiresAt;
  }
}
