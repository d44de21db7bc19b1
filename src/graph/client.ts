import { Readable } from 'node:stream';
import { Client, type GraphRequest, ResponseType } from '@microsoft/microsoft-graph-client';
import type { Drive, DriveItem, Site, Subscription } from '@microsoft/microsoft-graph-types';
import { Agent, type Dispatcher } from 'undici';
import type { TokenProvider } from '../auth/index.js';
import { type DeltaOptions, type DeltaPage, type DeltaQuery, deltaPage } from './api/delta.js';
import { getDrive, listDrives, listSites } from './api/discovery.js';
import {
  type CreateFolderOptions,
  createFolder,
  getItem,
  getItemByPath,
  type ItemQuery,
  listChildren,
} from './api/items.js';
import {
  createSubscription,
  deleteSubscription,
  renewSubscription,
  type SubscriptionRequest,
} from './api/subscriptions.js';
import { type CallSettings, GraphCallOptions } from './call-options.js';
import { AuthMiddleware } from './middleware/auth.js';
import { ErrorMiddleware } from './middleware/errors.js';
import { RetryMiddleware, type RetryOptions } from './middleware/retry.js';
import { TelemetryMiddleware } from './middleware/telemetry.js';
import { BudgetMiddleware, ConcurrencyMiddleware, ThrottleGateMiddleware } from './middleware/tenant.js';
import { UndiciMiddleware } from './middleware/undici.js';
import { sharedTenantState, TenantState, type TenantStateOptions } from './tenant.js';
import { USER_AGENT } from './version.js';

export const GRAPH_BASE_URL = 'https://graph.microsoft.com';

export interface GraphClientOptions {
  tenantId: string;
  tokens: TokenProvider;
  /** Origin of the Graph service: Microsoft's (default) or the emulator's `https://127.0.0.1:PORT`. */
  baseUrl?: string;
  /** PEM CA to trust instead of the system store (the emulator's); never a reason to skip checks. */
  caPem?: string;
  /** Caller-owned dispatcher; replaces the keep-alive Agent built from `caPem`. */
  dispatcher?: Dispatcher;
  /** The tenant's shared throttle/budget/concurrency state, or options for the process-wide one. */
  tenant?: TenantState | TenantStateOptions;
  retry?: RetryOptions;
}

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RequestOptions extends Omit<CallSettings, 'url' | 'body'> {
  /** JSON-encoded unless a string, Buffer/Uint8Array, or a stream (streams are never resent). */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Microsoft Graph through graph-client's request builder and a middleware chain of our own:
 * telemetry → errors → retry → auth → concurrency → budget → throttle gate → undici.
 * Every failure surfaces as a GraphRequestError.
 */
export class GraphClient {
  readonly sdk: Client;
  readonly tenant: TenantState;
  /** `https://host[:port]/v1.0`: relative paths are resolved against it. */
  readonly apiRoot: string;
  private readonly owned: Agent | undefined;

  constructor(opts: GraphClientOptions) {
    const origin = new URL(opts.baseUrl ?? GRAPH_BASE_URL).origin;
    const version = 'v1.0';
    this.apiRoot = `${origin}/${version}`;
    this.owned = opts.dispatcher ? undefined : new Agent(opts.caPem ? { connect: { ca: opts.caPem } } : {});
    const dispatcher = opts.dispatcher ?? this.owned!;
    this.tenant =
      opts.tenant instanceof TenantState ? opts.tenant : sharedTenantState(opts.tenantId, opts.tenant);
    this.sdk = Client.initWithMiddleware({
      baseUrl: origin,
      defaultVersion: version,
      middleware: [
        new TelemetryMiddleware(),
        new ErrorMiddleware(),
        new RetryMiddleware(opts.retry),
        new AuthMiddleware(opts.tokens, origin),
        new ConcurrencyMiddleware(this.tenant),
        new BudgetMiddleware(this.tenant),
        new ThrottleGateMiddleware(this.tenant),
        new UndiciMiddleware(dispatcher, USER_AGENT),
      ],
    });
  }

  /** An absolute URL for a Graph path (`/drives/x`), or the URL itself when already absolute. */
  url(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
    return `${this.apiRoot}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  /** Parsed JSON (undefined for 204). */
  request<T>(method: Method, pathOrUrl: string, opts: RequestOptions = {}): Promise<T> {
    return this.send(this.builder(pathOrUrl, opts), method, opts.body) as Promise<T>;
  }

  /** The Response itself (status, headers, body unread or streamed with `stream: true`); 4xx/5xx still throw. */
  requestRaw(method: Method, pathOrUrl: string, opts: RequestOptions = {}): Promise<Response> {
    const req = this.builder(pathOrUrl, opts).responseType(ResponseType.RAW);
    return this.send(req, method, opts.body) as Promise<Response>;
  }

  get<T>(pathOrUrl: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>('GET', pathOrUrl, opts);
  }

  getDrive(driveId: string): Promise<Drive> {
    return getDrive(this, driveId);
  }

  listSites(search: string): Promise<Site[]> {
    return listSites(this, search);
  }

  listDrives(siteId: string): Promise<Drive[]> {
    return listDrives(this, siteId);
  }

  deltaPage(from: string | DeltaQuery, opts?: DeltaOptions): Promise<DeltaPage> {
    return deltaPage(this, from, opts);
  }

  getItem(driveId: string, itemId: string, query?: ItemQuery): Promise<DriveItem> {
    return getItem(this, driveId, itemId, query);
  }

  getItemByPath(driveId: string, parentId: string, path: string, query?: ItemQuery): Promise<DriveItem> {
    return getItemByPath(this, driveId, parentId, path, query);
  }

  listChildren(driveId: string, itemId: string, query?: ItemQuery): Promise<DriveItem[]> {
    return listChildren(this, driveId, itemId, query);
  }

  createFolder(
    driveId: string,
    parentId: string,
    name: string,
    opts?: CreateFolderOptions,
  ): Promise<DriveItem> {
    return createFolder(this, driveId, parentId, name, opts);
  }

  createSubscription(sub: SubscriptionRequest): Promise<Subscription> {
    return createSubscription(this, sub);
  }

  renewSubscription(id: string, expirationDateTime: Date | string): Promise<Subscription> {
    return renewSubscription(this, id, expirationDateTime);
  }

  deleteSubscription(id: string): Promise<void> {
    return deleteSubscription(this, id);
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }

  private builder(pathOrUrl: string, opts: RequestOptions): GraphRequest {
    const url = this.url(pathOrUrl);
    const streamed = isStream(opts.body) ? (opts.body as CallSettings['body']) : undefined;
    const settings: CallSettings = {
      url,
      idempotent: opts.idempotent,
      cost: opts.cost,
      stream: opts.stream,
      signal: opts.signal,
      body: streamed,
    };
    const req = this.sdk.api(url).middlewareOptions([new GraphCallOptions(settings)]);
    if (opts.headers) req.headers(opts.headers);
    return req;
  }

  private send(req: GraphRequest, method: Method, body: unknown): Promise<unknown> {
    // A stream travels in the call settings; graph-client would JSON-encode it.
    const content = isStream(body) ? '' : toBuffer(body);
    switch (method) {
      case 'GET':
        return req.get();
      case 'DELETE':
        return req.delete();
      case 'POST':
        return req.post(content);
      case 'PATCH':
        return req.patch(content);
      case 'PUT':
        return req.put(content);
    }
  }
}

function isStream(body: unknown): boolean {
  return body instanceof Readable || body instanceof ReadableStream;
}

/** graph-client copies a typed array's whole backing buffer; a Buffer view of exactly its bytes avoids that. */
function toBuffer(body: unknown): unknown {
  if (body instanceof Uint8Array && !Buffer.isBuffer(body))
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return body;
}
