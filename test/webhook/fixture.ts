import { firstValueFrom, type Observable, filter as rxFilter, timeout } from 'rxjs';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import { GraphClient, TenantState } from '../../src/graph/index.js';
import {
  SubscriptionManager,
  type SubscriptionManagerOptions,
  WebhookReceiver,
  type WebhookReceiverOptions,
} from '../../src/webhook/index.js';
import { type EmulatorClient, emulatorClient } from '../helpers/emulator.js';
import { emulatorTokens } from '../helpers/tokens.js';

export interface LogLine {
  level: 'info' | 'warn';
  msg: string;
  obj: object;
}

/** A WebhookLog that keeps every line. */
export function recordingLog(): {
  lines: LogLine[];
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
} {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg = '') => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg = '') => lines.push({ level: 'warn', msg, obj }),
  };
}

export interface ServerSubscription {
  id: string;
  resource: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  clientState: string | null;
}

export interface World {
  ec: EmulatorClient;
  api: GraphClient;
  receiver: WebhookReceiver;
  manager: SubscriptionManager;
  log: ReturnType<typeof recordingLog>;
  driveId: string;
  /** A change made by another user through the emulator's control API. */
  remote(op: object, driveId?: string): Promise<{ id: string }>;
  /** The subscriptions Graph (the emulator) holds for this app, read through the graph-client SDK. */
  serverSubscriptions(): Promise<ServerSubscription[]>;
  lifecycle(subscriptionId: string, event: string): Promise<void>;
  close(): Promise<void>;
}

export interface WorldOptions {
  emulator?: EmulatorOptions;
  receiver?: WebhookReceiverOptions;
  manager?: Partial<SubscriptionManagerOptions>;
}

/**
 * The real emulator, a real GraphClient (MSAL client credentials, HTTPS) as the manager's API, a
 * listening receiver on loopback, and a manager with quick retries.
 */
export async function world(o: WorldOptions = {}): Promise<World> {
  const ec = await emulatorClient({ items: 50, behaviour: { notificationDebounceMs: 50 }, ...o.emulator });
  const { info } = ec.em;
  const tokens = emulatorTokens(info, info.caPem);
  const api = new GraphClient({
    tenantId: info.tenantId,
    tokens,
    baseUrl: info.baseUrl,
    caPem: info.caPem,
    tenant: new TenantState(info.tenantId, { budget: false }),
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
  });
  const receiver = new WebhookReceiver(o.receiver);
  await receiver.listen();
  const log = recordingLog();
  const manager = new SubscriptionManager({
    api,
    receiver,
    log,
    retry: { initialMs: 50, maxMs: 200 },
    closeTimeoutMs: 10_000,
    ...o.manager,
  });
  const driveId = info.drives[0]!.id;
  return {
    ec,
    api,
    receiver,
    manager,
    log,
    driveId,
    remote: (op, d = driveId) => ec.control('POST', `/drives/${encodeURIComponent(d)}/ops`, op),
    serverSubscriptions: async () =>
      ((await ec.graph.api('/subscriptions').get()) as { value: ServerSubscription[] }).value,
    lifecycle: (id, event) =>
      ec.control('POST', `/subscriptions/${encodeURIComponent(id)}/lifecycle`, { event }),
    close: async () => {
      await manager.close();
      await receiver.close();
      await api.close();
      await tokens.close();
      await ec.close();
    },
  };
}

/** Resolves once `predicate` holds; rejects after `timeoutMs` (generous: CI machines stall). */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** The first value of `source` that satisfies `predicate`. Subscribe before causing it. */
export function next<T>(
  source: Observable<T>,
  predicate: (v: T) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<T> {
  return firstValueFrom(source.pipe(rxFilter(predicate), timeout(timeoutMs)));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
