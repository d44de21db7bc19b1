import { GraphError } from '../http/errors.js';
import type { RequestContext, Route } from '../http/types.js';
import type { Drive } from '../model/drive.js';
import { cTagOf, eTagOf } from '../model/item.js';
import { applySelect, parseSelect, toDriveItem } from '../model/serialize.js';
import type { EmulatorState } from '../state.js';
import { DRIVE_PREFIX, driveFromParams, itemRoute, parseItemAddress, resolveItem } from './address.js';
import { conflictBehavior, header, topParam } from './query.js';
import { serializeContext } from './serialize-context.js';

const ITEM = new RegExp(`^/${DRIVE_PREFIX}(?<rest>/(?:root|items/[^/:]+)(?::[^:]*:?)?)$`);
const CHILDREN = itemRoute('/children');

interface Body {
  name?: unknown;
  folder?: unknown;
  file?: unknown;
  parentReference?: { id?: string; driveId?: string; path?: string };
  '@microsoft.graph.conflictBehavior'?: unknown;
}

/** Metadata operations on items: get, list children, create folder, rename/move, delete. */
export function itemRoutes(state: EmulatorState): Route[] {
  const locate = (ctx: RequestContext) => {
    const { tenant, drive } = driveFromParams(state, ctx);
    const item = resolveItem(drive, parseItemAddress(ctx.params.rest!));
    return { tenant, drive, item };
  };
  const ifMatch = (ctx: RequestContext) => header(ctx, 'if-match');

  return [
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: ITEM,
      name: 'item',
      auth: 'bearer',
      cost: 1,
      handler: (ctx) => {
        const { tenant, drive, item } = locate(ctx);
        const inm = header(ctx, 'if-none-match');
        if (inm && (inm === eTagOf(item) || inm === cTagOf(item)))
          return { status: 304, headers: { ETag: eTagOf(item) } };
        const select = parseSelect(ctx.url.searchParams.get('$select'));
        const json = toDriveItem(serializeContext(state, tenant, drive, true, select), item, 'item');
        return {
          status: 200,
          headers: { ETag: eTagOf(item) },
          json: applySelect(json, select),
        };
      },
    },
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: CHILDREN,
      name: 'children',
      auth: 'bearer',
      cost: 2,
      handler: (ctx) => {
        const { tenant, drive, item } = locate(ctx);
        if (!item.children) return { status: 200, json: { value: [] } };
        const top = topParam(ctx, 200, 1000);
        const skip = decodeSkipToken(ctx.url.searchParams.get('$skiptoken'));
        // Offsets into the live map: paging is not consistent under concurrent writes, as on Graph.
        const ids = [...item.children.values()].slice(skip, skip + top);
        const select = parseSelect(ctx.url.searchParams.get('$select'));
        const sctx = serializeContext(state, tenant, drive, true, select);
        const value = ids.map((id) => applySelect(toDriveItem(sctx, drive.items.get(id)!, 'item'), select));
        const json: Record<string, unknown> = { value };
        if (skip + top < item.children.size) {
          const next = new URL(ctx.url);
          next.searchParams.set('$skiptoken', Buffer.from(String(skip + top)).toString('base64url'));
          json['@odata.nextLink'] = next.toString();
        }
        return { status: 200, json };
      },
    },
    {
      method: 'POST',
      prefix: '/v1.0',
      pattern: CHILDREN,
      name: 'create folder',
      auth: 'bearer',
      cost: 2,
      handler: async (ctx) => {
        const { tenant, drive, item } = locate(ctx);
        const body = await ctx.json<Body>();
        if (body.folder === undefined) {
          throw new GraphError(
            400,
            'invalidRequest',
            'Only folders can be created here; upload files to /content.',
          );
        }
        const created = drive.createFolder(item.id, body.name, {
          conflict: conflictBehavior(body['@microsoft.graph.conflictBehavior'], 'fail'),
          by: byOf(ctx),
        });
        return {
          status: 201,
          json: toDriveItem(serializeContext(state, tenant, drive, true), created, 'item'),
        };
      },
    },
    {
      method: 'PATCH',
      prefix: '/v1.0',
      pattern: ITEM,
      name: 'update item',
      auth: 'bearer',
      cost: 2,
      handler: async (ctx) => {
        const { tenant, drive, item } = locate(ctx);
        const body = await ctx.json<Body>();
        const parentId = targetParent(drive, body);
        const updated = drive.update(
          item.id,
          { name: body.name, parentId },
          {
            ifMatch: ifMatch(ctx),
            by: byOf(ctx),
            conflict: conflictBehavior(
              body['@microsoft.graph.conflictBehavior'] ??
                ctx.url.searchParams.get('@microsoft.graph.conflictBehavior'),
              'fail',
            ),
          },
        );
        return {
          status: 200,
          json: toDriveItem(serializeContext(state, tenant, drive, true), updated, 'item'),
        };
      },
    },
    {
      method: 'DELETE',
      prefix: '/v1.0',
      pattern: ITEM,
      name: 'delete item',
      auth: 'bearer',
      cost: 2,
      handler: (ctx) => {
        const { drive, item } = locate(ctx);
        drive.remove(item.id, { ifMatch: ifMatch(ctx), by: byOf(ctx) });
        return { status: 204 };
      },
    },
  ];
}

function targetParent(drive: Drive, body: Body): string | undefined {
  const ref = body.parentReference;
  if (!ref) return undefined;
  if (ref.driveId && ref.driveId !== drive.id) {
    throw new GraphError(400, 'invalidRequest', 'Moving items between drives is not supported.');
  }
  if (ref.id) return ref.id;
  if (ref.path) {
    const m = /^\/drive(?:s\/[^/]+)?\/root:?(.*)$/.exec(ref.path);
    if (!m) throw new GraphError(400, 'invalidRequest', 'Invalid parentReference.path.');
    const segs = (m[1] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
    return drive.byPath(drive.root, segs).id;
  }
  return undefined;
}

function decodeSkipToken(raw: string | null): number {
  if (raw === null) return 0;
  const n = Number(Buffer.from(raw, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw new GraphError(400, 'invalidRequest', 'Invalid $skiptoken.');
  return n;
}

export function byOf(ctx: RequestContext): string {
  return ctx.auth?.userId ? `user ${ctx.auth.userId}` : `app ${ctx.auth?.clientId ?? 'unknown'}`;
}
