import { Readable } from 'node:stream';
import type { Context } from '@microsoft/microsoft-graph-client';
import type { Dispatcher } from 'undici';
import { callInfo, hasHeader, requestHeaders, setHeader } from '../call-options.js';
import { TransportError } from '../transport-error.js';
import { Link } from './link.js';

const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * The end of the chain: sends through an undici dispatcher (keep-alive, and the CA we trust for
 * the emulator) instead of graph-client's global fetch, and buffers the body here so a body cut
 * short fails inside the chain, where the retry middleware can still act on it.
 */
export class UndiciMiddleware extends Link {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly userAgent: string,
  ) {
    super();
  }

  override setNext(): void {
    throw new Error('UndiciMiddleware sends the request and must be last');
  }

  async execute(context: Context): Promise<void> {
    const info = callInfo(context);
    if (!hasHeader(context, 'user-agent')) setHeader(context, 'User-Agent', this.userAgent);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.dispatcher.request({
        origin: info.url.origin,
        path: `${info.url.pathname}${info.url.search}`,
        method: info.method as Dispatcher.HttpMethod,
        headers: requestHeaders(context),
        body: requestBody(info.body),
        signal: info.signal,
      });
    } catch (err) {
      if (info.signal?.aborted) throw err;
      throw new TransportError('exchange', err);
    }
    const headers = toHeaders(res.headers);
    if (NULL_BODY.has(res.statusCode)) {
      await res.body.dump();
      context.response = new Response(null, { status: res.statusCode, headers });
      return;
    }
    if (info.stream && res.statusCode < 300) {
      context.response = new Response(Readable.toWeb(res.body) as ReadableStream, {
        status: res.statusCode,
        headers,
      });
      return;
    }
    let bytes: ArrayBuffer;
    try {
      bytes = await res.body.arrayBuffer();
    } catch (err) {
      if (info.signal?.aborted) throw err;
      throw new TransportError('body', err);
    }
    context.response = new Response(bytes, { status: res.statusCode, headers });
  }
}

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.append(name, value);
  }
  return headers;
}

function requestBody(body: unknown): string | Uint8Array | Readable | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (body instanceof Readable) return body;
  if (body instanceof ReadableStream)
    return Readable.fromWeb(body as import('node:stream/web').ReadableStream);
  throw new TypeError(`unsupported request body type ${Object.prototype.toString.call(body)}`);
}
