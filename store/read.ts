// Synchronous reads. Each is one or a few B-tree lookups in lmdb's current read snapshot
// (renewed every event-loop turn and after each commit), so callers get values, not promises.

import { foldName } from './fold.js';
import { childEntry, childKey, itemKey, prefixRange } from './keys.js';
import type { Dbs } from './schema.js';
import type { ChildEntry, DriveState, IndexedItem, ListOptions, ListPage } from './types.js';

export function getItem(dbs: Dbs, driveId: string, id: string): IndexedItem | undefined {
  return dbs.items.get(itemKey(driveId, id));
}

export function getDriveState(dbs: Dbs, driveId: string): DriveState | undefined {
  return dbs.drives.get(driveId);
}

export function getRoot(dbs: Dbs, driveId: string): IndexedItem | undefined {
  const rootId = dbs.drives.get(driveId)?.rootId;
  return rootId === undefined ? undefined : getItem(dbs, driveId, rootId);
}

export function drives(dbs: Dbs): string[] {
  return [...dbs.drives.getKeys()];
}

/** Case- and normalization-insensitive lookup of one name in one folder. */
export function lookupChild(dbs: Dbs, driveId: string, parentId: string, name: string): ChildEntry | undefined {
  const folded = foldName(name);
  const value = dbs.children.get(childKey(driveId, parentId, folded));
  return value === undefined ? undefined : childEntry(folded, value);
}

/** Resolves '/a/b/c' from the root, one children lookup per segment; '/' is the root. */
export function resolvePath(dbs: Dbs, driveId: string, path: string): IndexedItem | undefined {
  let id = dbs.drives.get(driveId)?.rootId;
  if (id === undefined) return undefined;
  for (const segment of path.split('/')) {
    if (segment === '') continue;
    const entry = lookupChild(dbs, driveId, id, segment);
    if (entry === undefined) return undefined;
    id = entry.id;
  }
  return getItem(dbs, driveId, id);
}

/** One ordered range read, in folded-name order; `cursor` is set when more may follow. */
export function list(dbs: Dbs, driveId: string, parentId: string, opts: ListOptions = {}): ListPage {
  const { limit, after } = opts;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
  const range = prefixRange(driveId, parentId);
  const entries: ChildEntry[] = [];
  const iterable = dbs.children.getRange({
    start: after === undefined ? range.start : childKey(driveId, parentId, after),
    exclusiveStart: after !== undefined,
    end: range.end,
    // One more than asked tells whether another page exists.
    ...(limit === undefined ? {} : { limit: limit + 1 }),
  });
  for (const { key, value } of iterable) {
    if (entries.length === limit) return { entries, cursor: entries[entries.length - 1].folded };
    entries.push(childEntry(key[2] as string, value));
  }
  return { entries };
}

export function countChildren(dbs: Dbs, driveId: string, parentId: string): number {
  return dbs.children.getCount(prefixRange(driveId, parentId));
}

/** Folder ids of the drive whose delete waits for their children to go. */
export function pendingDeletes(dbs: Dbs, driveId: string): string[] {
  return [...dbs.pending.getKeys(prefixRange(driveId))].map((key) => key[1] as string);
}
