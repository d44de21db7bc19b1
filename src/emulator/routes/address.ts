import { GraphError, notFound } from '../http/errors.js';
import type { RequestContext } from '../http/types.js';
import type { Drive } from '../model/drive.js';
import type { EmItem } from '../model/item.js';
import type { Tenant } from '../model/tenant.js';
import { type EmulatorState, tenantOf } from '../state.js';

/** The ways Graph names a drive: /drives/{id}, /me/drive, /sites/{id}/drive, /users/{id}/drive. */
export const DRIVE_PREFIX =
  '(?<drivePart>drives/(?<driveId>[^/:]+)|me/drive|sites/(?<siteId>[^/]+)/drive|users/(?<userId>[^/]+)/drive)';

/**
 * A route on an item address followed by `suffix` ('/children', '/content'...): the address
 * ('/root', '/items/{id}', either with ':/a/b:') is captured as `rest` for parseItemAddress.
 */
export function itemRoute(suffix: string): RegExp {
  return new RegExp(`^/${DRIVE_PREFIX}(?<rest>/(?:root|items/[^/:]+)(?::[^:]*:)?)${suffix}$`);
}

export function driveFromParams(state: EmulatorState, ctx: RequestContext): { tenant: Tenant; drive: Drive } {
  const tenant = tenantOf(state, ctx);
  const p = ctx.params;
  let drive: Drive | undefined;
  if (p.driveId) drive = tenant.drive(p.driveId);
  else if (p.siteId) {
    const site = tenant.sites.get(p.siteId);
    drive = site?.driveIds[0] ? tenant.drive(site.driveIds[0]) : undefined;
  } else if (p.userId) {
    const user = tenant.users.get(p.userId) ?? [...tenant.users.values()].find((u) => u.mail === p.userId);
    drive = user ? tenant.drive(user.driveId) : undefined;
  } else {
    const me = (ctx.auth?.userId && tenant.users.get(ctx.auth.userId)) || tenant.defaultUser();
    drive = me ? tenant.drive(me.driveId) : undefined;
  }
  if (!drive) throw new GraphError(404, 'itemNotFound', 'The drive could not be found.');
  return { tenant, drive };
}

export interface ItemAddress {
  /** 'root' or an item id. */
  base: string;
  /** Path segments after `base` (`root:/a/b:`), or null. */
  path: string[] | null;
  /** What follows: '', '/children', '/content', '/delta', '/createUploadSession'. */
  suffix: string;
}

/**
 * Parses '/root', '/items/{id}', '/root:/a/b:', '/items/{id}:/name:/content' and the like.
 * `rest` is a route param, already percent-decoded by the router: decoding it again would turn
 * a name like '50%off.txt' into a 500 and 'a%41.txt' into 'aA.txt'.
 */
export function parseItemAddress(rest: string): ItemAddress {
  const m = /^\/(?:root|items\/([^/:]+))(.*)$/.exec(rest);
  if (!m) throw new GraphError(400, 'invalidRequest', 'Invalid item address.');
  const base = m[1] ?? 'root';
  let tail = m[2] ?? '';
  let path: string[] | null = null;
  if (tail.startsWith(':')) {
    const end = tail.indexOf(':', 1);
    const raw = end < 0 ? tail.slice(1) : tail.slice(1, end);
    tail = end < 0 ? '' : tail.slice(end + 1);
    path = raw.split('/').filter((s) => s !== '');
  }
  return { base, path, suffix: tail };
}

export function resolveItem(drive: Drive, addr: ItemAddress): EmItem {
  const base = drive.get(addr.base);
  return addr.path ? drive.byPath(base, addr.path) : base;
}

/** For PUT/createUploadSession by path: the parent folder and the new item's name. */
export function resolveParentAndName(drive: Drive, addr: ItemAddress): { parent: EmItem; name: string } {
  const base = drive.get(addr.base);
  if (!addr.path || addr.path.length === 0)
    throw new GraphError(400, 'invalidRequest', 'A file name is required.');
  const parent = drive.byPath(base, addr.path.slice(0, -1));
  if (!parent.children) throw notFound('The parent is not a folder.');
  return { parent, name: addr.path[addr.path.length - 1]! };
}
