import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Observable, Subject } from 'rxjs';
import { ClientStateBook } from './client-state.js';
import { parseNotifications, type RawNotification } from './payload.js';
import { readBody } from './read-body.js';
import {
  type ChangeNotice,
  LIFECYCLE_EVENTS,
  type LifecycleEvent,
  type LifecycleNotice,
  type ReceiverStats,
} from './types.js';

export interface WebhookReceiverOptions {
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Serve HTTPS with this certificate (PEM). Real Graph requires HTTPS at the public URL; a tunnel or proxy may terminate it instead. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /**
   * Base URL under which Graph reaches this receiver (a tunnel or reverse proxy in production).
   * The paths are appended to it. Default: the local address, which only the emulator can reach.
   */
  publicUrl?: string;
  notificationPath?: string;
  lifecyclePath?: string;
  /** Larger bodies are answered 413 (default 1 MiB; Graph batches are far smaller). */
  maxBodyBytes?: number;
  now?: () => number;
}

type Verified = { kind: 'change'; notice: ChangeNotice } | { kind: 'lifecycle'; notice: LifecycleNotice };

const MIB = 1024 * 1024;

/**
 * Graph's webhook endpoint. Answers within the request only what Graph needs (handshake echo,
 * 202, or 400/413) and hands verified notifications to subscribers on a later tick, so no
 * subscriber can ever slow an answer past Graph's 3 s limit.
 *
 * Notifications that fail verification (unknown subscription, wrong clientState) are still
 * answered 202, as Graph's documentation asks: a non-2xx answer only makes Graph retry the same
 * POST for hours, and endpoints that keep failing get delayed and then dropped for every
 * subscription, the valid ones included. They are counted and discarded.
 */
export class WebhookReceiver {
  readonly stats: ReceiverStats = {
    validations: 0,
    posts: 0,
    received: 0,
    accepted: 0,
    rejectedClientState: 0,
    unknownSubscription: 0,
    badJson: 0,
    tooLarge: 0,
    lifecycle: 0,
  };
  private readonly changesSubject = new Subject<ChangeNotice>();
  private readonly lifecycleSubject = new Subject<LifecycleNotice>();
  readonly changes$: Observable<ChangeNotice> = this.changesSubject.asObservable();
  readonly lifecycle$: Observable<LifecycleNotice> = this.lifecycleSubject.asObservable();

  private readonly server: http.Server;
  private readonly book = new ClientStateBook();
  private readonly notificationPath: string;
  private readonly lifecyclePath: string;
  private readonly maxBodyBytes: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: WebhookReceiverOptions = {}) {
    this.notificationPath = opts.notificationPath ?? '/notifications';
    this.lifecyclePath = opts.lifecyclePath ?? '/lifecycle';
    this.maxBodyBytes = opts.maxBodyBytes ?? MIB;
    this.now = opts.now ?? Date.now;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res);
    this.server = opts.tls
      ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
      : http.createServer(handler);
    // Graph sends small bodies quickly; a client trickling bytes is not Graph and may not hold a socket.
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** The bound port (after listen()). */
  get port(): number {
    const addr = this.server.address() as AddressInfo | null;
    if (!addr) throw new Error('webhook receiver is not listening');
    return addr.port;
  }

  async listen(): Promise<void> {
    if (this.closed) throw new Error('webhook receiver is closed');
    if (this.server.listening) return;
    this.server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1');
    await once(this.server, 'listening');
  }

  get publicUrl(): string {
    if (this.opts.publicUrl) return this.opts.publicUrl.replace(/\/+$/, '');
    const scheme = this.opts.tls ? 'https' : 'http';
    const host = this.opts.host ?? '127.0.0.1';
    // A wildcard bind has no address of its own to advertise; loopback is the one that surely works.
    const local = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `${scheme}://${local.includes(':') ? `[${local}]` : local}:${this.port}`;
  }

  get notificationUrl(): string {
    return this.publicUrl + this.notificationPath;
  }

  get lifecycleNotificationUrl(): string {
    return this.publicUrl + this.lifecyclePath;
  }

  /** Notifications for `subscriptionId` are accepted from now on, if they carry `clientState`. */
  register(subscriptionId: string, clientState: string, driveId?: string): void {
    this.book.register(subscriptionId, clientState, driveId);
  }

  unregister(subscriptionId: string): void {
    this.book.unregister(subscriptionId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.changesSubject.complete();
    this.lifecycleSubject.complete();
    if (!this.server.listening) return;
    const closing = once(this.server, 'close');
    this.server.close();
    this.server.closeAllConnections();
    await closing;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const receivedAt = this.now();
    const url = new URL(req.url ?? '/', 'http://receiver');
    // endsWith: a reverse proxy that keeps its own prefix in front of our paths still lands here.
    if (!url.pathname.endsWith(this.notificationPath) && !url.pathname.endsWith(this.lifecyclePath)) {
      reply(req, res, 404);
      return;
    }
    const token = url.searchParams.get('validationToken');
    if (token !== null) {
      this.stats.validations++;
      // URLSearchParams has decoded it: Graph wants the decoded token back, as plain text.
      reply(req, res, 200, token, {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
      });
      return;
    }
    if (req.method !== 'POST') {
      reply(req, res, 405, '', { allow: 'POST' });
      return;
    }
    this.stats.posts++;
    readBody(req, this.maxBodyBytes).then(
      (body) => {
        if (body === 'tooLarge') {
          this.stats.tooLarge++;
          reply(req, res, 413, '', { connection: 'close' });
          return;
        }
        const entries = parseNotifications(body);
        if (!entries) {
          this.stats.badJson++;
          reply(req, res, 400);
          return;
        }
        const verified = this.verify(entries, receivedAt);
        reply(req, res, 202);
        if (verified.length > 0) setImmediate(() => this.emit(verified));
      },
      () => req.destroy(),
    );
  }

  private verify(entries: RawNotification[], receivedAt: number): Verified[] {
    const out: Verified[] = [];
    for (const n of entries) {
      this.stats.received++;
      const check = this.book.verify(n.subscriptionId, n.clientState);
      if (!check.ok) {
        if (check.why === 'unknown') this.stats.unknownSubscription++;
        else this.stats.rejectedClientState++;
        continue;
      }
      const base = { subscriptionId: n.subscriptionId, driveId: check.driveId, receivedAt };
      // Classified by content, not by path: Graph may send lifecycle events to the notification URL.
      if (n.lifecycleEvent === undefined || n.lifecycleEvent === null) {
        this.stats.accepted++;
        out.push({ kind: 'change', notice: { ...base, resource: n.resource } });
      } else if (LIFECYCLE_EVENTS.includes(n.lifecycleEvent as LifecycleEvent)) {
        this.stats.lifecycle++;
        out.push({ kind: 'lifecycle', notice: { ...base, event: n.lifecycleEvent as LifecycleEvent } });
      }
    }
    return out;
  }

  private emit(verified: Verified[]): void {
    if (this.closed) return;
    for (const v of verified) {
      if (v.kind === 'change') this.changesSubject.next(v.notice);
      else this.lifecycleSubject.next(v.notice);
    }
  }
}

function reply(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  body = '',
  headers: Record<string, string> = {},
): void {
  // Whatever was not read is drained, so a keep-alive connection stays usable.
  req.resume();
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
