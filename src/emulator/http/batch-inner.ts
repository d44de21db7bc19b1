import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { BatchItem, BatchResponseItem } from './batch.js';
import { type DispatchDeps, dispatch } from './dispatch.js';
import type { RequestStats } from './stats.js';
import type { Reply, RequestContext } from './types.js';

/**
 * Turns a $batch entry into an in-process request (same routes, budget and fault draws, the outer
 * bearer token) and its reply into a batch response entry.
 */
export async function dispatchBatchItem(
  deps: DispatchDeps,
  stats: RequestStats,
  item: BatchItem,
  outer: RequestContext,
): Promise<BatchResponseItem> {
  const relative = item.url.startsWith('/') ? item.url : `/${item.url}`;
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(item.headers ?? {})) headers[name.toLowerCase()] = value;
  if (outer.headers.authorization) headers.authorization = outer.headers.authorization;
  const body = encodeBody(item.body, headers);
  const method = item.method.toUpperCase();
  const outcome = await dispatch(
    deps,
    {
      method,
      url: new URL(`/v1.0${relative}`, outer.url.origin),
      headers,
      req: outer.req,
      res: outer.res,
      requestId: randomUUID(),
      batchItemId: item.id,
      body: async () => body,
    },
    false,
  );
  stats.record(outcome.route, method, outcome.reply.status, true);
  try {
    return { id: item.id, status: outcome.reply.status, ...(await decodeReply(outcome.reply)) };
  } catch (err) {
    deps.log.error({ err, route: outcome.route }, 'batch item body failed');
    return { id: item.id, status: 500, headers: {} };
  }
}

/** JSON bodies arrive as JSON values; other content types as base64 strings (Graph's convention). */
function encodeBody(body: unknown, headers: IncomingHttpHeaders): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  const type = headers['content-type'] ?? '';
  if (typeof body === 'string' && type !== '' && !type.includes('json')) return Buffer.from(body, 'base64');
  headers['content-type'] ??= 'application/json';
  return Buffer.from(JSON.stringify(body));
}

async function decodeReply(reply: Reply): Promise<Pick<BatchResponseItem, 'headers' | 'body'>> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  if (reply.json !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    return { headers, body: reply.json };
  }
  if (reply.body === undefined) return { headers };
  const raw = reply.body instanceof Readable ? await collect(reply.body) : Buffer.from(reply.body);
  return { headers, body: raw.toString('base64') };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
