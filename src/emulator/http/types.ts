import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** What a route handler returns; the server writes it (and may damage it on purpose, see faults). */
export interface Reply {
  status: number;
  headers?: Record<string, string | number | string[]>;
  /** Serialised as application/json. */
  json?: unknown;
  /** Raw body (content downloads, text/plain). */
  body?: Buffer | string | Readable;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Full request URL (https://host:port/...). */
  url: URL;
  /** Path below the route's mount point, e.g. '/drives/b!x/root/delta' for '/v1.0/drives/b!x/root/delta'. */
  path: string;
  /** Capture groups of the route's pattern, by name. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The bearer token's identity when the route requires auth (undefined on open routes). */
  auth?: AuthInfo;
  /** The `request-id` header of this reply (also inside Graph error bodies). */
  requestId?: string;
  /** Set for a request dispatched from inside a JSON batch (req/res are then the outer $batch's). */
  batchItemId?: string;
  /** Request body, read once and cached; rejects with GraphError 413 past the size limit. */
  body(): Promise<Buffer>;
  /** body() parsed as JSON; GraphError 400 invalidRequest on bad JSON. */
  json<T = unknown>(): Promise<T>;
}

export interface AuthInfo {
  tenantId: string;
  clientId: string;
  /** For delegated (device code) tokens, the signed-in user's object id. */
  userId?: string;
  expiresAt: number;
}

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply;

export interface Route {
  method: string;
  /** Mount point stripped from the URL path before matching: '/v1.0' for Graph routes, '' for the rest. */
  prefix: string;
  /** Matched against ctx.path; named groups become ctx.params. */
  pattern: RegExp;
  handler: Handler;
  /** Requires a valid bearer token (Graph routes) or not (token endpoint, download/upload URLs, control API). */
  auth: 'bearer' | 'none';
  /** SharePoint resource units charged against the tenant's per-minute budget; a function for costs that depend on the request. */
  cost?: number | ((ctx: RequestContext) => number);
  /** Key in the server's request statistics (default: `${method} ${prefix}${pattern.source}`). */
  name?: string;
  /** Which fault scope the route belongs to; default 'graph' under '/v1.0', 'control' under '/_control', else 'content'. */
  kind?: RouteKind;
  /** For open routes: the tenant whose budget pays (e.g. the owner of a download URL); none = free. */
  tenant?: (ctx: RequestContext) => string | undefined;
}

/** 'auth' (token endpoint) and 'control' (test control API) are never faulted unless asked. */
export type RouteKind = 'graph' | 'content' | 'auth' | 'control';
