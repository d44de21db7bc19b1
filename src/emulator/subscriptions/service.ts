import { randomUUID } from 'node:crypto';
import { invalidRequest, notFound } from '../http/errors.js';
import { rng } from '../model/rng.js';
import type { Tenant } from '../model/tenant.js';
import type { BehaviourOptions } from '../state.js';
import { Deliverer } from './delivery.js';
import { validateEndpoint } from './handshake.js';
import { lifecycleNotification } from './json.js';
import { parseChangeType, parseClientState, parseExpiration, parseNotificationUrl } from './limits.js';
import { Notifier } from './notifier.js';
import { type CaOption, OutboundHttp } from './outbound.js';
import { resolveDriveRoot } from './resource.js';
import { SubscriptionStore } from './store.js';
import { Timers } from './timers.js';
import {
  type DeliveryStats,
  emptyStats,
  type LifecycleEvent,
  type NotificationFaults,
  noFaults,
  type RetryPolicy,
  type Subscription,
} from './types.js';

export interface SubscriptionServiceOptions {
  /** Read on use, so the control API can change behaviour while the emulator runs. */
  behaviour: () => Pick<BehaviourOptions, 'notificationDebounceMs' | 'requireHttpsNotificationUrl'>;
  notificationFaults?: () => NotificationFaults;
  /** Seeded, so fault decisions repeat from run to run. */
  random?: () => number;
  /** Extra CA(s) trusted for https receivers. */
  ca?: CaOption;
  /** Graph: 10 s. */
  validationTimeoutMs?: number;
  /** Graph: 3 s. */
  notificationTimeoutMs?: number;
  /** Graph retries for up to 4 hours. */
  retry?: Partial<RetryPolicy>;
  /** `reauthorizationRequired` goes out this long before expiry (subscriptions with a lifecycle URL only). */
  reauthorizationWindowMs?: number;
  /** How often expiry and the reauthorization window are checked. */
  sweepIntervalMs?: number;
  now?: () => number;
}

/** Who asks: subscriptions are visible only to the tenant and application that created them. */
export interface Caller {
  tenant: Tenant;
  applicationId: string;
  /** The signed-in user of a delegated token; `/me` falls back to the tenant's default user. */
  userId?: string;
}

const DEFAULT_RETRY: RetryPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 60_000,
  giveUpAfterMs: 4 * 3_600_000,
};

export class SubscriptionService {
  readonly store: SubscriptionStore;
  readonly stats: DeliveryStats = emptyStats();
  private readonly http: OutboundHttp;
  private readonly timers = new Timers();
  private readonly deliverer: Deliverer;
  private readonly notifier: Notifier;
  private readonly now: () => number;
  private readonly validationTimeoutMs: number;
  private readonly reauthorizationWindowMs: number;

  constructor(private readonly opts: SubscriptionServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.validationTimeoutMs = opts.validationTimeoutMs ?? 10_000;
    this.reauthorizationWindowMs = opts.reauthorizationWindowMs ?? 10 * 60_000;
    this.store = new SubscriptionStore(this.now);
    this.http = new OutboundHttp({ ca: opts.ca });
    this.deliverer = new Deliverer({
      http: this.http,
      timers: this.timers,
      stats: this.stats,
      timeoutMs: opts.notificationTimeoutMs ?? 3_000,
      retry: { ...DEFAULT_RETRY, ...opts.retry },
      faults: opts.notificationFaults ?? (() => noFaults),
      random: opts.random ?? rng(0x5eed),
      now: this.now,
    });
    this.notifier = new Notifier({
      store: this.store,
      deliverer: this.deliverer,
      timers: this.timers,
      stats: this.stats,
      debounceMs: () => opts.behaviour().notificationDebounceMs,
      now: this.now,
      onGiveUp: (subs) => {
        for (const sub of subs) if (this.store.get(sub.id)) this.emitLifecycle(sub.id, 'missed');
      },
    });
    this.timers.every(opts.sweepIntervalMs ?? 1_000, () => this.sweep());
  }

  /** Validates like Graph, runs the validation handshake(s), then stores the subscription. */
  async create(caller: Caller, input: unknown): Promise<Subscription> {
    const body = asObject(input);
    const requireHttps = this.opts.behaviour().requireHttpsNotificationUrl;
    const changeType = parseChangeType(body.changeType);
    const notificationUrl = parseNotificationUrl(body.notificationUrl, 'notificationUrl', requireHttps);
    const lifecycleNotificationUrl =
      body.lifecycleNotificationUrl == null
        ? undefined
        : parseNotificationUrl(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl', requireHttps);
    const clientState = parseClientState(body.clientState);
    parseExpiration(body.expirationDateTime, this.now());
    if (body.includeResourceData === true) {
      throw invalidRequest('Rich notifications (includeResourceData) are not supported for driveItem.');
    }
    const drive = resolveDriveRoot(caller.tenant, body.resource, caller.userId);
    await validateEndpoint(this.http, notificationUrl, this.validationTimeoutMs);
    if (lifecycleNotificationUrl) {
      await validateEndpoint(this.http, lifecycleNotificationUrl, this.validationTimeoutMs);
    }
    // The handshake takes time: the requested expiry must still be valid when the subscription starts.
    const expiresAt = parseExpiration(body.expirationDateTime, this.now());
    const sub: Subscription = {
      id: randomUUID(),
      tenantId: caller.tenant.id,
      driveId: drive.id,
      resource: body.resource as string,
      changeType,
      notificationUrl,
      lifecycleNotificationUrl,
      clientState,
      expiresAt,
      applicationId: caller.applicationId,
      creatorId: caller.userId ?? caller.applicationId,
    };
    if (this.timers.isClosed) throw invalidRequest('The emulator is shutting down.');
    this.store.add(sub);
    this.notifier.watch(drive);
    return sub;
  }

  list(caller: Caller): Subscription[] {
    return this.store.all().filter((s) => owns(caller, s));
  }

  get(caller: Caller, id: string): Subscription {
    const sub = this.store.get(id);
    if (!sub || !owns(caller, sub)) throw notFound(`Subscription '${id}' was not found.`);
    return sub;
  }

  renew(caller: Caller, id: string, input: unknown): Subscription {
    const sub = this.get(caller, id);
    sub.expiresAt = parseExpiration(asObject(input).expirationDateTime, this.now());
    return sub;
  }

  delete(caller: Caller, id: string): void {
    this.store.delete(this.get(caller, id).id);
    this.notifier.unwatchIdle();
  }

  /** Every live subscription, of all tenants (control API). */
  all(): Subscription[] {
    return this.store.all();
  }

  /**
   * POSTs a lifecycle notification to the subscription's lifecycle URL, if it has one.
   * `subscriptionRemoved` also ends the subscription, as Graph's does. Returns false for an
   * unknown or expired subscription; throws 400 for an event Graph does not have.
   */
  emitLifecycle(subscriptionId: string, event: LifecycleEvent | string): boolean {
    if (!isLifecycleEvent(event)) throw invalidRequest(`Unknown lifecycle event '${event}'.`);
    const sub = this.store.get(subscriptionId);
    if (!sub) return false;
    if (event === 'subscriptionRemoved') {
      this.store.delete(sub.id);
      this.notifier.unwatchIdle();
    }
    if (sub.lifecycleNotificationUrl) {
      this.stats.lifecycle++;
      const payload = { value: [lifecycleNotification(sub, event)] };
      this.deliverer.post(sub.lifecycleNotificationUrl, payload, { applyFaults: false });
    }
    return true;
  }

  /** Resolves once every notification started so far is delivered, abandoned or cancelled. */
  idle(): Promise<void> {
    return this.deliverer.idle();
  }

  async close(): Promise<void> {
    this.timers.close();
    this.notifier.close();
    await this.http.close();
    await this.deliverer.idle();
  }

  private sweep(): void {
    if (this.store.purgeExpired().length > 0) this.notifier.unwatchIdle();
    const now = this.now();
    for (const sub of this.store.all()) {
      if (!sub.lifecycleNotificationUrl || sub.reauthorizationSentFor === sub.expiresAt) continue;
      if (sub.expiresAt - now > this.reauthorizationWindowMs) continue;
      sub.reauthorizationSentFor = sub.expiresAt;
      this.emitLifecycle(sub.id, 'reauthorizationRequired');
    }
  }
}

const LIFECYCLE_EVENTS: readonly string[] = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'];

function isLifecycleEvent(event: string): event is LifecycleEvent {
  return LIFECYCLE_EVENTS.includes(event);
}

function owns(caller: Caller, sub: Subscription): boolean {
  return sub.tenantId === caller.tenant.id && sub.applicationId === caller.applicationId;
}

function asObject(input: unknown): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidRequest('The request body must be a JSON object.');
  }
  return input as Record<string, unknown>;
}
