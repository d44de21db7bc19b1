import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Tenant } from '../../src/emulator/model/tenant.js';
import { defaultBehaviour } from '../../src/emulator/state.js';
import {
  type Caller,
  type NotificationFaults,
  SubscriptionService,
  type SubscriptionServiceOptions,
} from '../../src/emulator/subscriptions/index.js';

export interface Received {
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: string;
  at: number;
}

export interface Answer {
  status: number;
  body?: string;
  contentType?: string;
  delayMs?: number;
}

/** Echoes validation tokens like a correct receiver and accepts notifications with 202. */
export function correctAnswer(r: Received): Answer {
  const token = r.query.get('validationToken');
  if (token !== null) return { status: 200, body: token, contentType: 'text/plain' };
  return { status: 202 };
}

/** A real webhook receiver on 127.0.0.1 whose answers each test scripts. */
export class Receiver {
  readonly requests: Received[] = [];
  answer: (r: Received) => Answer = correctAnswer;

  private constructor(
    private readonly server: http.Server,
    private readonly scheme: string,
  ) {}

  static async start(tls?: { key: string; cert: string }): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => receiver!.handle(req, res);
    const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    receiver = new Receiver(server, tls ? 'https' : 'http');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  url(path = '/hook'): string {
    return `${this.scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** Notification POSTs to `path` (validation requests excluded), bodies parsed. */
  notifications(path = '/hook'): Array<{ value: Array<Record<string, unknown>> }> {
    return this.requests
      .filter((r) => r.path === path && !r.query.has('validationToken'))
      .map((r) => JSON.parse(r.body));
  }

  validations(): Received[] {
    return this.requests.filter((r) => r.query.has('validationToken'));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const r: Received = {
        path: url.pathname,
        query: url.searchParams,
        contentType: req.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      this.requests.push(r);
      const a = this.answer(r);
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(a.status, a.contentType ? { 'content-type': a.contentType } : {});
        res.end(a.body ?? '');
      };
      if (a.delayMs) setTimeout(reply, a.delayMs).unref();
      else reply();
    });
  }
}

/** Resolves once `predicate` holds; rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

export function world() {
  const tenant = new Tenant('11111111-2222-3333-4444-555555555555', 'contoso', () => 'AAAA');
  const site = tenant.addSite('team');
  const drive = tenant.addDrive(site, 'Documents');
  const other = tenant.addDrive(site, 'Archive');
  const user = tenant.addUser('Ada Lovelace', 'ada@contoso.com');
  const caller: Caller = { tenant, applicationId: 'app-1' };
  return { tenant, site, drive, other, user, caller };
}

export interface Knobs {
  debounceMs?: number;
  requireHttps?: boolean;
  faults?: NotificationFaults;
}

/** A service with short limits, so failure paths take milliseconds; `knobs` can change mid-test. */
export function service(
  knobs: Knobs = {},
  opts: Partial<SubscriptionServiceOptions> = {},
): SubscriptionService {
  return new SubscriptionService({
    behaviour: () => ({
      ...defaultBehaviour,
      notificationDebounceMs: knobs.debounceMs ?? 30,
      requireHttpsNotificationUrl: knobs.requireHttps ?? false,
    }),
    notificationFaults: () => knobs.faults ?? { pDrop: 0, pDuplicate: 0, delayMs: 0 },
    validationTimeoutMs: 500,
    notificationTimeoutMs: 300,
    retry: { initialDelayMs: 40, maxDelayMs: 200, giveUpAfterMs: 1_000 },
    sweepIntervalMs: 25,
    ...opts,
  });
}

export const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
