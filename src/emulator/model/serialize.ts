import type * as MG from '@microsoft/microsoft-graph-types';
import type { Drive } from './drive.js';
import { iso } from './iso.js';
import { cTagOf, type EmItem, eTagOf, mimeTypeFor } from './item.js';
import type { Site, Tenant } from './tenant.js';

export interface SerializeContext {
  tenant: Tenant;
  drive: Drive;
  site: Site;
  /** Pre-authenticated download URL for a file (GET item and children; not in delta). */
  downloadUrl?: (item: EmItem) => string;
  /** Folder paths already computed for this response: siblings share their parent's path. */
  pathCache?: Map<string, string>;
  /** Properties the response will keep ($select); others need not be computed. */
  select?: Set<string> | null;
}

export type Shape = 'item' | 'delta';

function folderPath(ctx: SerializeContext, folderId: string): string {
  let path = ctx.pathCache?.get(folderId);
  if (path === undefined) {
    const folder = ctx.drive.items.get(folderId);
    path = folder ? ctx.drive.pathOf(folder) : '';
    ctx.pathCache?.set(folderId, path);
  }
  return path;
}

/** The encoded web URL of a folder, cached: siblings share it, and encoding is the costly part. */
function folderWebUrl(ctx: SerializeContext, folderId: string): string {
  const key = `w:${folderId}`;
  let url = ctx.pathCache?.get(key);
  if (url === undefined) {
    const path = folderPath(ctx, folderId);
    const lib = `${ctx.site.webUrl}/${encodeURIComponent(ctx.drive.info.name)}`;
    url = path ? `${lib}/${path.split('/').map(encodeURIComponent).join('/')}` : lib;
    ctx.pathCache?.set(key, url);
  }
  return url;
}

function webUrlOf(ctx: SerializeContext, item: EmItem): string {
  if (item.parentId === null) return folderWebUrl(ctx, item.id);
  return `${folderWebUrl(ctx, item.parentId)}/${encodeURIComponent(item.name)}`;
}

/**
 * A driveItem in business shape. Delta differs on purpose, as Graph's does: no `path` in
 * parentReference, no cTag, and deleted items carry neither name nor cTag.
 */
export function toDriveItem(
  ctx: SerializeContext,
  item: EmItem,
  shape: Shape,
): MG.DriveItem & Record<string, unknown> {
  const drive = ctx.drive;
  const parentReference: MG.ItemReference = { driveType: drive.info.driveType, driveId: drive.id };
  if (item.parentId) {
    parentReference.id = item.parentId;
    if (shape === 'item') {
      const parentPath = folderPath(ctx, item.parentId);
      parentReference.path = `/drives/${drive.id}/root:${parentPath ? `/${parentPath}` : ''}`;
      parentReference.siteId = drive.info.siteId;
    }
  }
  if (item.deleted) {
    return {
      id: item.id,
      parentReference,
      deleted: { state: 'deleted' },
      fileSystemInfo: { lastModifiedDateTime: iso(item.modifiedAt) },
    };
  }
  const sel = ctx.select;
  const created = iso(item.createdAt);
  const modified = iso(item.modifiedAt);
  const out: MG.DriveItem & Record<string, unknown> = {
    createdDateTime: created,
    eTag: eTagOf(item),
    id: item.id,
    lastModifiedDateTime: modified,
    name: item.parentId === null ? 'root' : item.name,
    size: item.size,
    parentReference,
  };
  // The costly parts only when the response keeps them.
  if (!sel || sel.has('webUrl')) out.webUrl = webUrlOf(ctx, item);
  if (!sel || sel.has('createdBy')) out.createdBy = { user: { displayName: 'Generator' } };
  if (!sel || sel.has('lastModifiedBy')) out.lastModifiedBy = { user: { displayName: item.modifiedBy } };
  if (!sel || sel.has('fileSystemInfo')) {
    out.fileSystemInfo = { createdDateTime: created, lastModifiedDateTime: modified };
  }
  if (shape === 'item' && item.children === null) out.cTag = cTagOf(item);
  if (item.children) {
    out.folder = { childCount: item.children.size };
    if (item.parentId === null) out.root = {};
  } else {
    out.file = {
      mimeType: item.mimeType ?? mimeTypeFor(item.name),
      hashes: { quickXorHash: drive.hashFor(item) ?? undefined },
    };
    if (shape === 'item' && ctx.downloadUrl && (!sel || sel.has('@microsoft.graph.downloadUrl')))
      out['@microsoft.graph.downloadUrl'] = ctx.downloadUrl(item);
  }
  return out;
}

/**
 * `$select` keeps the named top-level properties (id always). Leaving `deleted` out strips the
 * facet silently, as Graph does: clients must always select it.
 */
export function applySelect(obj: Record<string, unknown>, select: string[] | null): Record<string, unknown> {
  if (!select) return obj;
  const out: Record<string, unknown> = { id: obj.id };
  for (const key of select) if (key in obj) out[key] = obj[key];
  return out;
}

export function parseSelect(raw: string | null): string[] | null {
  if (!raw) return null;
  const keys = raw
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  return keys.length ? keys : null;
}
