import { seededStream } from '../content/index.js';
import { GraphError } from '../http/errors.js';
import type { Reply, RequestContext, Route } from '../http/types.js';
import { cTagOf, type EmItem, eTagOf, mimeTypeFor } from '../model/item.js';
import { verifyClaims } from '../signed-urls.js';
import { type EmulatorState, findDrive } from '../state.js';
import { driveFromParams, itemRoute, parseItemAddress, resolveItem } from './address.js';
import { header } from './query.js';
import { type DownloadClaims, downloadUrlFor } from './serialize-context.js';

const CONTENT = itemRoute('/content');

/** Downloads: `/content` redirects to a pre-authenticated URL, which serves ranges. */
export function contentRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: CONTENT,
      name: 'content',
      auth: 'bearer',
      cost: 1,
      handler: (ctx): Reply => {
        const { tenant, drive } = driveFromParams(state, ctx);
        const item = resolveItem(drive, parseItemAddress(ctx.params.rest!));
        if (item.children) throw new GraphError(400, 'invalidRequest', 'Folders have no content.');
        const inm = header(ctx, 'if-none-match');
        if (inm && (inm === eTagOf(item) || inm === cTagOf(item)))
          return { status: 304, headers: { ETag: cTagOf(item) } };
        return {
          status: 302,
          headers: { Location: downloadUrlFor(state, tenant, drive, item), 'Content-Length': 0 },
        };
      },
    },
    {
      method: 'GET',
      prefix: '',
      pattern: /^\/_download\/(?<token>[^/]+)$/,
      name: 'download',
      auth: 'none',
      cost: 1,
      // Downloads count against the tenant's budget like any other call.
      tenant: (ctx) => verifyClaims<DownloadClaims>(state.urlKey, ctx.params.token!)?.t,
      handler: (ctx) => serveDownload(state, ctx),
    },
    {
      method: 'HEAD',
      prefix: '',
      pattern: /^\/_download\/(?<token>[^/]+)$/,
      auth: 'none',
      handler: async (ctx) => {
        const reply = await serveDownload(state, ctx);
        if (reply.body && typeof reply.body === 'object' && 'destroy' in reply.body) reply.body.destroy();
        return { status: reply.status, headers: reply.headers };
      },
    },
  ];
}

function serveDownload(state: EmulatorState, ctx: RequestContext): Reply {
  const claims = verifyClaims<DownloadClaims>(state.urlKey, ctx.params.token!);
  if (!claims) throw new GraphError(401, 'unauthenticated', 'The download URL is not valid.');
  if (claims.exp < Date.now()) throw new GraphError(401, 'unauthenticated', 'The download URL has expired.');
  if (ctx.headers.authorization) {
    // Graph's download hosts reject bearer tokens: clients must not send them there.
    throw new GraphError(401, 'unauthenticated', 'Pre-authenticated URLs take no Authorization header.');
  }
  const found = findDrive(state, claims.d);
  const item = found?.drive.items.get(claims.i);
  if (!found || !item || item.deleted || item.children)
    throw new GraphError(404, 'itemNotFound', 'The item is gone.');
  return rangeReply(state, item, ctx);
}

function rangeReply(state: EmulatorState, item: EmItem, ctx: RequestContext): Reply {
  const size = item.size;
  const headers: Record<string, string | number> = {
    ETag: cTagOf(item),
    'Content-Type': item.mimeType ?? mimeTypeFor(item.name),
    'Accept-Ranges': 'bytes',
    'Last-Modified': new Date(item.modifiedAt).toUTCString(),
  };
  const inm = header(ctx, 'if-none-match');
  if (inm && (inm === cTagOf(item) || inm === eTagOf(item))) return { status: 304, headers };
  const range = header(ctx, 'range');
  let start = 0;
  let end = size - 1;
  let status = 200;
  if (range && !state.misbehave.ignoreRange()) {
    const parsed = parseRange(range, size);
    if (parsed === 'unsatisfiable') {
      return {
        status: 416,
        headers: { 'Content-Range': `bytes */${size}` },
        json: { error: { code: 'invalidRange', message: 'The requested range is not satisfiable.' } },
      };
    }
    if (parsed) {
      [start, end] = parsed;
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
  }
  headers['Content-Length'] = Math.max(0, end - start + 1);
  const content = item.content!;
  if (size === 0) return { status, headers, body: Buffer.alloc(0) };
  if (content.kind === 'stored') return { status, headers, body: content.data.subarray(start, end + 1) };
  return { status, headers, body: seededStream(content.phase, size, start, end, { chunkSize: 1024 * 1024 }) };
}

/** One `bytes=a-b` / `a-` / `-n` range; null when absent or multi-range (served whole, as servers may). */
export function parseRange(header: string, size: number): [number, number] | null | 'unsatisfiable' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    return [Math.max(0, size - n), size - 1];
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, end];
}
