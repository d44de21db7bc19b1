// Synchronous reads. Each is one or a few B-tree lookups in lmdb's current read snapshot
// (renewed every event-loop turn and after each commit), so callers get values, not promises.
// `tag` is the drive's key prefix (schema.ts), resolved by the caller.

import { foldName } from './fold.js';
import { childEntry, childKey, itemKey, prefixRange } from './keys.js';
import type { Dbs } from './schema.js';
import type { ChildEntry, IndexedItem, ListOptions, ListPage } from './types.js';

export function getItem(dbs: Dbs, tag: string, id: string): IndexedItem | undefined {
  return dbs.items.get(itemKey(tag, id));
}

/** Case- and normalization-insensitive lookup of one name in one folder. */
export function lookupChild(dbs: Dbs, tag: string, parentId: string, name: string): ChildEntry | undefined {
  const folded = foldName(name);
  const value = dbs.children.get(childKey(tag, parentId, folded));
  return value === undefined ? undefined : childEntry(folded, value);
}

/** Resolves '/a/b/c' below rootId, one children lookup per segment; '/' is the root. */
export function resolvePath(dbs: Dbs, tag: string, rootId: string, path: string): IndexedItem | undefined {
  let id = rootId;
  for (const segment of path.split('/')) {
    if (segment === '') continue;
    const entry = lookupChild(dbs, tag, id, segment);
    if (entry === undefined) return undefined;
    id = entry.id;
  }
  return getItem(dbs, tag, id);
}

/** One ordered range read, in folded-name order; `cursor` is set when more may follow. */
export function list(dbs: Dbs, tag: string, parentId: string, opts: ListOptions = {}): ListPage {
  const { limit, after } = opts;
  const range = prefixRange(tag, parentId);
  const entries: ChildEntry[] = [];
  const iterable = dbs.children.getRange({
    start: after === undefined ? range.start : childKey(tag, parentId, after),
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

/** A page of a whole listing held in memory, as `list` would read it. */
export function pageOf(all: readonly ChildEntry[], opts: ListOptions): ListPage {
  let from = 0;
  if (opts.after !== undefined) {
    // First entry whose folded name sorts after the cursor, bytewise as LMDB's keys.
    const after = Buffer.from(opts.after);
    let hi = all.length;
    while (from < hi) {
      const mid = (from + hi) >>> 1;
      if (Buffer.compare(Buffer.from(all[mid]!.folded), after) <= 0) from = mid + 1;
      else hi = mid;
    }
  }
  const to = opts.limit === undefined ? all.length : Math.min(all.length, from + opts.limit);
  const entries = all.slice(from, to);
  return to < all.length ? { entries, cursor: entries[entries.length - 1]!.folded } : { entries };
}

export function countChildren(dbs: Dbs, tag: string, parentId: string): number {
  return dbs.children.getCount(prefixRange(tag, parentId));
}

/** Folder ids of the drive whose delete waits for their children to go. */
export function pendingDeletes(dbs: Dbs, tag: string): string[] {
  return [...dbs.pending.getKeys(prefixRange(tag))].map((key) => key[1] as string);
}
