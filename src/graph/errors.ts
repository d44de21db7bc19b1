import { GraphClientError } from '@microsoft/microsoft-graph-client';
import { redactText } from '../telemetry/index.js';
import { parseRetryAfter } from './retry-after.js';

/** `status` when no HTTP response exists (connection failure, token acquisition, abort). */
export const NO_RESPONSE = 0;

/** Codes this client assigns itself when Graph never answered. */
export const ClientErrorCode = {
  network: 'networkError',
  tokenAcquisition: 'tokenAcquisitionFailed',
  aborted: 'aborted',
} as const;

export interface GraphRequestErrorInit {
  status: number;
  codes: string[];
  message: string;
  method: string;
  route: string;
  retryAfterMs?: number;
  requestId?: string;
  clientRequestId?: string;
  location?: string;
  cause?: unknown;
}

/**
 * A failed Graph call. Branch on `status` and `codes` (the error code followed by every
 * `innerError` code, outermost first), never on `message`: Graph's messages change and are
 * localised. Extends graph-client's GraphClientError so its request pipeline passes it through
 * unchanged instead of re-wrapping it.
 */
export class GraphRequestError extends GraphClientError {
  override readonly name = 'GraphRequestError';
  readonly status: number;
  readonly code: string;
  readonly codes: readonly string[];
  readonly method: string;
  /** Route template, e.g. `/drives/{id}/root/delta` (ids and query left out). */
  readonly route: string;
  readonly retryAfterMs: number | undefined;
  readonly requestId: string | undefined;
  readonly clientRequestId: string | undefined;
  /** The Location header: on 410 resyncRequired, the link that restarts a full enumeration. */
  readonly location: string | undefined;

  constructor(init: GraphRequestErrorInit) {
    super(init.message);
    // GraphClientError's constructor pins its own prototype; restore the subclass chain.
    Object.setPrototypeOf(this, new.target.prototype);
    this.status = init.status;
    this.codes = Object.freeze([...init.codes]);
    this.code = init.codes[0] ?? 'unknown';
    this.method = init.method;
    this.route = init.route;
    this.retryAfterMs = init.retryAfterMs;
    this.requestId = init.requestId;
    this.clientRequestId = init.clientRequestId;
    this.location = init.location;
    if (init.cause !== undefined) this.cause = init.cause;
  }

  /** Builds the error from a Graph error response (the body must still be unread). */
  static async fromResponse(res: Response, method: string, route: string): Promise<GraphRequestError> {
    let body: unknown;
    try {
      body = JSON.parse(await res.text());
    } catch {
      body = undefined;
    }
    const { codes, message, requestId } = parseErrorBody(body);
    if (codes.length === 0) codes.push(`http${res.status}`);
    return new GraphRequestError({
      status: res.status,
      codes,
      message: `${method} ${route} failed with ${res.status} ${codes.join('/')}${message ? `: ${redactText(message)}` : ''}`,
      method,
      route,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
      requestId: res.headers.get('request-id') ?? requestId,
      clientRequestId: res.headers.get('client-request-id') ?? undefined,
      location: res.headers.get('location') ?? undefined,
    });
  }

  /** A call that got no response; `detail` is a machine code (e.g. undici's UND_ERR_SOCKET). */
  static noResponse(code: string, detail: string | undefined, method: string, route: string, cause: unknown) {
    const text = cause instanceof Error ? redactText(cause.message) : '';
    return new GraphRequestError({
      status: NO_RESPONSE,
      codes: detail ? [code, detail] : [code],
      message: `${method} ${route} got no response (${detail ?? code})${text ? `: ${text}` : ''}`,
      method,
      route,
      cause,
    });
  }
}

/** True when `code` is the error's code or any inner code, compared case-insensitively. */
export function hasCode(err: unknown, code: string): boolean {
  if (!(err instanceof GraphRequestError)) return false;
  const wanted = code.toLowerCase();
  return err.codes.some((c) => c.toLowerCase() === wanted);
}

export function isGraphRequestError(err: unknown): err is GraphRequestError {
  return err instanceof GraphRequestError;
}

const MAX_DEPTH = 16;

/** Walks `error.innerError` (Graph also spells it `innererror`) and collects every code. */
export function parseErrorBody(body: unknown): { codes: string[]; message?: string; requestId?: string } {
  const codes: string[] = [];
  const top = isObject(body) && isObject(body.error) ? body.error : undefined;
  if (!top) return { codes };
  const message = typeof top.message === 'string' ? top.message : undefined;
  let requestId: string | undefined;
  let node: Record<string, unknown> | undefined = top;
  for (let depth = 0; node && depth < MAX_DEPTH; depth++) {
    if (typeof node.code === 'string' && node.code !== '') codes.push(node.code);
    if (requestId === undefined && typeof node['request-id'] === 'string') requestId = node['request-id'];
    const inner: unknown = node.innerError ?? node.innererror;
    node = isObject(inner) ? inner : undefined;
  }
  return { codes, message, requestId };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
