import type { DriveItem } from '@microsoft/microsoft-graph-types';
import type { ItemChange } from '../store/index.js';

/** What delta is asked for: what a file-system index needs and nothing else (pages stay small). */
export const DELTA_SELECT = [
  'id',
  'name',
  'size',
  'parentReference',
  'file',
  'folder',
  'deleted',
  'root',
  'eTag',
  'cTag',
  'createdDateTime',
  'lastModifiedDateTime',
  'fileSystemInfo',
];

const time = (iso: string | null | undefined): number => {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
};

/**
 * A delta driveItem as a store change. Deleted items come without name or parent on business
 * drives; everything is tracked by id, never by path (delta has none).
 */
export function toItemChange(item: DriveItem): ItemChange | null {
  if (!item.id) return null;
  if (item.deleted) return { kind: 'delete', id: item.id };
  const isRoot = item.root !== undefined && item.root !== null;
  const parentId = isRoot ? null : (item.parentReference?.id ?? null);
  if (!isRoot && parentId === null) return null;
  // Prefer the file system times: they are what the user's applications set and see.
  const fsi = item.fileSystemInfo;
  return {
    kind: 'upsert',
    item: {
      id: item.id,
      name: item.name || (isRoot ? 'root' : ''),
      parentId,
      isFolder: item.folder !== undefined && item.folder !== null,
      size: item.size ?? 0,
      createdAt: time(fsi?.createdDateTime ?? item.createdDateTime),
      modifiedAt: time(fsi?.lastModifiedDateTime ?? item.lastModifiedDateTime),
      eTag: item.eTag ?? '',
      ...(item.cTag ? { cTag: item.cTag } : {}),
      ...(item.file?.hashes?.quickXorHash ? { quickXorHash: item.file.hashes.quickXorHash } : {}),
      ...(item.file?.mimeType ? { mimeType: item.file.mimeType } : {}),
      ...(item.webUrl ? { webUrl: item.webUrl } : {}),
      ...(typeof item.folder?.childCount === 'number' ? { childCount: item.folder.childCount } : {}),
    },
  };
}

export function toItemChanges(items: readonly DriveItem[]): ItemChange[] {
  const out: ItemChange[] = [];
  for (const item of items) {
    const change = toItemChange(item);
    if (change) out.push(change);
  }
  return out;
}
