import { readSeeded } from '../content/index.js';
import { GraphError } from '../http/errors.js';
import type { FaultPatch, FaultPlan } from '../http/faults.js';
import type { RequestContext, Route } from '../http/types.js';
import type { Drive } from '../model/drive.js';
import { cTagOf, type EmItem, eTagOf } from '../model/item.js';
import { type EmulatorState, findDrive } from '../state.js';
import { runStorm, type StormOptions } from '../storm.js';

/** What the control API can reach besides the tenants. */
export interface ControlDeps {
  faults: FaultPlan;
  expireAccessTokens(): void;
  approveDeviceCode(userCode: string): boolean;
  emitLifecycle(subscriptionId: string, event: string): Promise<boolean>;
  stats(): unknown;
}

/** One item of a drive's truth, as convergence checks compare it. */
export interface TruthItem {
  id: string;
  name: string;
  parentId: string | null;
  folder: boolean;
  size: number;
  eTag: string;
  cTag: string;
  quickXorHash: string | null;
}

export function truthOf(drive: Drive): TruthItem[] {
  const out: TruthItem[] = [];
  for (const item of drive.items.values()) {
    if (item.deleted) continue;
    out.push({
      id: item.id,
      name: item.parentId === null ? 'root' : item.name,
      parentId: item.parentId,
      folder: item.children !== null,
      size: item.size,
      eTag: eTagOf(item),
      cTag: cTagOf(item),
      quickXorHash: item.children ? null : drive.hashFor(item),
    });
  }
  return out;
}

/**
 * The emulator's back door, outside /v1.0: act as another user, read the whole truth of a drive,
 * change faults at run time. Listens on loopback only, like the rest of the emulator.
 */
export function controlRoutes(state: EmulatorState, deps: ControlDeps): Route[] {
  const driveOf = (ctx: RequestContext): Drive => {
    const found = findDrive(state, ctx.params.driveId!);
    if (!found) throw new GraphError(404, 'itemNotFound', 'No such drive.');
    return found.drive;
  };
  const route = (method: string, pattern: RegExp, handler: Route['handler']): Route => ({
    method,
    prefix: '/_control',
    pattern,
    auth: 'none',
    kind: 'control',
    handler,
  });
  const itemJson = (drive: Drive, item: EmItem) => ({
    id: item.id,
    name: item.name,
    parentId: item.parentId,
    path: drive.pathOf(item),
    eTag: eTagOf(item),
    cTag: cTagOf(item),
    size: item.size,
  });

  return [
    route('GET', /^\/drives$/, () => {
      const drives = [];
      for (const tenant of state.tenants.values()) {
        for (const d of tenant.drives.values()) {
          drives.push({
            id: d.id,
            name: d.info.name,
            siteId: d.info.siteId,
            tenantId: tenant.id,
            items: d.liveFiles + d.liveFolders - 1,
            rootId: d.root.id,
            latestSeq: d.latestSeq,
          });
        }
      }
      return { status: 200, json: { value: drives } };
    }),
    route('GET', /^\/drives\/(?<driveId>[^/]+)\/truth$/, (ctx) => ({
      status: 200,
      json: { value: truthOf(driveOf(ctx)) },
    })),
    route('GET', /^\/drives\/(?<driveId>[^/]+)\/items\/(?<itemId>[^/]+)\/bytes$/, (ctx) => {
      const drive = driveOf(ctx);
      const item = drive.get(ctx.params.itemId!);
      if (!item.content) throw new GraphError(400, 'invalidRequest', 'Folders have no content.');
      const start = Number(ctx.url.searchParams.get('start') ?? 0);
      const end = Math.min(item.size - 1, Number(ctx.url.searchParams.get('end') ?? item.size - 1));
      const body =
        item.content.kind === 'stored'
          ? item.content.data.subarray(start, end + 1)
          : readSeeded(item.content.phase, item.size, start, end);
      return {
        status: 200,
        headers: { 'Content-Type': 'application/octet-stream', ETag: cTagOf(item) },
        body,
      };
    }),
    route('POST', /^\/drives\/(?<driveId>[^/]+)\/ops$/, async (ctx) => {
      const drive = driveOf(ctx);
      const op = await ctx.json<RemoteOp>();
      return { status: 200, json: itemJson(drive, applyOp(drive, op)) };
    }),
    route('POST', /^\/drives\/(?<driveId>[^/]+)\/storm$/, async (ctx) => {
      const drive = driveOf(ctx);
      const opts = await ctx.json<StormOptions>();
      if (!Number.isInteger(opts.count) || opts.count < 0)
        throw new GraphError(400, 'invalidRequest', 'count must be a whole number.');
      return { status: 200, json: runStorm(drive, { ...opts, seed: opts.seed ?? 1 }) };
    }),
    route('POST', /^\/drives\/(?<driveId>[^/]+)\/invalidate-tokens$/, (ctx) => {
      driveOf(ctx).invalidateTokens();
      return { status: 204 };
    }),
    route('GET', /^\/faults$/, () => ({ status: 200, json: deps.faults.getFaults() })),
    route('PATCH', /^\/faults$/, async (ctx) => ({
      status: 200,
      json: deps.faults.setFaults(await ctx.json<FaultPatch>()),
    })),
    route('POST', /^\/tokens\/expire$/, () => {
      deps.expireAccessTokens();
      return { status: 204 };
    }),
    route('POST', /^\/devicecode\/approve$/, async (ctx) => {
      const { user_code } = await ctx.json<{ user_code: string }>();
      if (!deps.approveDeviceCode(user_code))
        throw new GraphError(404, 'itemNotFound', 'No pending device code.');
      return { status: 204 };
    }),
    route('POST', /^\/subscriptions\/(?<id>[^/]+)\/lifecycle$/, async (ctx) => {
      const { event } = await ctx.json<{ event: string }>();
      if (!(await deps.emitLifecycle(ctx.params.id!, event)))
        throw new GraphError(404, 'itemNotFound', 'No such subscription.');
      return { status: 204 };
    }),
    route('GET', /^\/stats$/, () => ({ status: 200, json: deps.stats() })),
  ];
}

/** One change made as another user. Items are named by id or by path from the root. */
export type RemoteOp =
  | { op: 'createFolder'; parent: string; name: string }
  | { op: 'createFile'; parent: string; name: string; text?: string; base64?: string }
  | { op: 'write'; item: string; text?: string; base64?: string }
  | { op: 'rename'; item: string; name: string }
  | { op: 'move'; item: string; parent: string; name?: string }
  | { op: 'delete'; item: string };

function applyOp(drive: Drive, op: RemoteOp): EmItem {
  const by = 'Remote User';
  const find = (ref: string): EmItem =>
    ref.startsWith('/') ? drive.byPath(drive.root, ref.split('/')) : drive.get(ref);
  const data = (o: { text?: string; base64?: string }) =>
    o.base64 !== undefined ? Buffer.from(o.base64, 'base64') : Buffer.from(o.text ?? '', 'utf8');
  switch (op.op) {
    case 'createFolder':
      return drive.createFolder(find(op.parent).id, op.name, { by });
    case 'createFile': {
      const bytes = data(op);
      return drive.putFile(find(op.parent).id, op.name, { kind: 'stored', data: bytes }, bytes.length, {
        by,
        conflict: 'fail',
      }).item;
    }
    case 'write': {
      const bytes = data(op);
      return drive.setContent(find(op.item).id, { kind: 'stored', data: bytes }, bytes.length, { by });
    }
    case 'rename':
      return drive.update(find(op.item).id, { name: op.name }, { by });
    case 'move':
      return drive.update(find(op.item).id, { parentId: find(op.parent).id, name: op.name }, { by });
    case 'delete': {
      const item = find(op.item);
      drive.remove(item.id, { by });
      return item;
    }
    default:
      throw new GraphError(400, 'invalidRequest', `Unknown op '${(op as { op: string }).op}'.`);
  }
}
