import type { Context, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import { resourceCost, routeTemplate } from './route.js';

/** Per-request settings, passed with `GraphRequest.middlewareOptions([new GraphCallOptions(...)])`. */
export interface CallSettings {
  /**
   * The exact URL to send. graph-client rebuilds URLs from their parts (and reorders the query);
   * next/delta links must go out as Graph sent them, and http URLs are not absolute to it.
   */
  url?: string;
  /** Safe to resend after the connection dropped mid-request (GET/HEAD/DELETE are by default). */
  idempotent?: boolean;
  /** Resource units to charge instead of the computed cost. */
  cost?: number;
  /** Hand the body over as a stream instead of buffering it (downloads); it is then never retried once headers arrived. */
  stream?: boolean;
  signal?: AbortSignal;
  /** A streamed request body, which graph-client would otherwise JSON-encode; it is never resent. */
  body?: NodeJS.ReadableStream | ReadableStream;
}

export class GraphCallOptions implements MiddlewareOptions {
  constructor(readonly settings: CallSettings) {}
}

/** What the middleware chain derives once per logical request. */
export interface CallInfo {
  method: string;
  url: URL;
  route: string;
  cost: number;
  idempotent: boolean;
  /** The body can be sent again (absent, string or bytes). */
  replayable: boolean;
  stream: boolean;
  signal: AbortSignal | undefined;
  /** What goes on the wire: `CallSettings.body` if given, else what graph-client serialised. */
  body: unknown;
  /** Attempts made so far (set by the retry middleware, read by telemetry). */
  attempts: number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);
const infos = new WeakMap<Context, CallInfo>();

export function callInfo(context: Context): CallInfo {
  let info = infos.get(context);
  if (info) return info;
  const settings = (
    context.middlewareControl?.getMiddlewareOptions(GraphCallOptions) as GraphCallOptions | undefined
  )?.settings;
  const request = context.request;
  const href = settings?.url ?? (typeof request === 'string' ? request : request.url);
  const url = new URL(href);
  const method = (
    context.options?.method ?? (typeof request === 'string' ? 'GET' : request.method)
  ).toUpperCase();
  const body = settings?.body ?? context.options?.body;
  info = {
    method,
    url,
    route: routeTemplate(url),
    cost: settings?.cost ?? resourceCost(method, url, body),
    idempotent: settings?.idempotent ?? IDEMPOTENT.has(method),
    replayable:
      body === undefined ||
      body === null ||
      typeof body === 'string' ||
      body instanceof Uint8Array ||
      body instanceof ArrayBuffer,
    stream: settings?.stream ?? false,
    signal: settings?.signal ?? context.options?.signal ?? undefined,
    body,
    attempts: 0,
  };
  infos.set(context, info);
  return info;
}

/** The request headers as a plain object, written back so every middleware edits the same one. */
export function requestHeaders(context: Context): Record<string, string> {
  context.options ??= {};
  const h = context.options.headers;
  if (h && !(h instanceof Headers) && !Array.isArray(h)) return h as Record<string, string>;
  const plain: Record<string, string> = {};
  if (h) {
    for (const [key, value] of new Headers(h)) plain[key] = value;
  }
  context.options.headers = plain;
  return plain;
}

export function setHeader(context: Context, name: string, value: string): void {
  const headers = requestHeaders(context);
  for (const key of Object.keys(headers))
    if (key.toLowerCase() === name.toLowerCase() && key !== name) delete headers[key];
  headers[name] = value;
}

export function hasHeader(context: Context, name: string): boolean {
  const wanted = name.toLowerCase();
  return Object.keys(requestHeaders(context)).some((k) => k.toLowerCase() === wanted);
}
