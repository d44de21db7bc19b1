// Tree edits for one drive inside one write transaction. Every method runs synchronously in
// the transaction callback, reading its own uncommitted writes. The invariants kept here:
//
// - every item with a parent is either the owner of its children key [d, parent, fold(name)]
//   or listed in collisions under that key, never both, never neither;
// - a collisions entry exists only while another item owns the key: when an owner leaves its
//   key (moved, renamed, removed) one displaced item is promoted into it.
//
// Collision strategy: the item written last takes the key. Within a feed the later write is the
// fresher information; the displaced item is not lost, and once the feed is complete the server's
// names are unique again, so whichever of the two left the name has been re-keyed or removed.

import { foldName } from './fold.js';
import {
  childKey,
  childValue,
  childValueChanged,
  collisionKey,
  itemKey,
  pendingKey,
  prefixRange,
  stampKey,
} from './keys.js';
import { type Dbs, ensureDriveTag, nextStamp } from './schema.js';
import type { AppliedChanges, DriveState, IndexedItem, ItemInput } from './types.js';

export function newDriveState(): DriveState {
  return { generation: 1, resyncing: false, itemCount: 0, folderCount: 0, collisions: 0 };
}

export class DriveWriter {
  readonly state: DriveState;
  /** Key prefix of this drive. */
  readonly tag: string;
  /** Whether the pending-deletes range of this drive may be non-empty (saves lookups). */
  private mayHavePending: boolean;
  private readonly upserted = new Set<string>();
  private readonly deleted = new Set<string>();
  private readonly moved = new Set<string>();
  /** Folders whose listing changed (removed folders leave it): each gets a new stamp. */
  private readonly parents = new Set<string>();

  constructor(
    readonly dbs: Dbs,
    readonly driveId: string,
  ) {
    this.tag = ensureDriveTag(dbs, driveId);
    this.state = { ...(dbs.drives.get(driveId) ?? newDriveState()) };
    this.mayHavePending = this.firstPending() !== undefined;
  }

  getItem(id: string): IndexedItem | undefined {
    return this.dbs.items.get(itemKey(this.tag, id));
  }

  upsert(input: ItemInput): void {
    const d = this.tag;
    const id = input.id;
    if (this.mayHavePending) this.dbs.pending.removeSync(pendingKey(d, id));
    const old = this.getItem(id);
    const rec = toRecord(input, this.state.generation);
    if (old !== undefined && sameRecord(old, rec)) return;

    this.dbs.items.putSync(itemKey(d, id), rec);
    this.upserted.add(id);
    this.deleted.delete(id);
    this.count(old, -1);
    this.count(rec, 1);
    if (rec.parentId === null) this.state.rootId = id;
    else if (old?.parentId === null && this.state.rootId === id) delete this.state.rootId;

    if (old === undefined) {
      if (rec.parentId !== null) this.link(rec, foldName(rec.name));
      return;
    }
    if (old.parentId !== rec.parentId || old.name !== rec.name) this.moved.add(id);
    const oldFold = old.parentId === null ? '' : foldName(old.name);
    const newFold = rec.parentId === null ? '' : foldName(rec.name);
    if (old.parentId === rec.parentId && oldFold === newFold) {
      if (rec.parentId !== null && childValueChanged(old, rec)) this.refresh(rec, newFold);
      return;
    }
    if (old.parentId !== null) this.unlink(old, oldFold);
    if (rec.parentId !== null) this.link(rec, newFold);
  }

  /** Removes an item now, whatever it contains; callers decide when a folder may go. */
  drop(old: IndexedItem): void {
    const d = this.tag;
    this.dbs.items.removeSync(itemKey(d, old.id));
    if (this.mayHavePending) this.dbs.pending.removeSync(pendingKey(d, old.id));
    if (old.parentId !== null) this.unlink(old, foldName(old.name));
    else if (this.state.rootId === old.id) delete this.state.rootId;
    this.count(old, -1);
    this.deleted.add(old.id);
    this.upserted.delete(old.id);
    this.moved.delete(old.id);
    this.parents.delete(old.id);
    // Unstamped folders are never served from a listing cache (list-cache.ts).
    if (old.isFolder) this.dbs.stamps.removeSync(stampKey(d, old.id));
  }

  markPending(id: string): void {
    this.dbs.pending.putSync(pendingKey(this.tag, id), true);
    this.mayHavePending = true;
  }

  isPending(id: string): boolean {
    return this.mayHavePending && this.dbs.pending.get(pendingKey(this.tag, id)) === true;
  }

  clearPending(id: string): void {
    if (this.mayHavePending) this.dbs.pending.removeSync(pendingKey(this.tag, id));
  }

  pendingIds(): string[] {
    if (!this.mayHavePending) return [];
    const ids: string[] = [];
    for (const key of this.dbs.pending.getKeys(prefixRange(this.tag))) ids.push(key[1] as string);
    if (ids.length === 0) this.mayHavePending = false;
    return ids;
  }

  hasChildren(folderId: string): boolean {
    // Collisions need no look: they exist only while their key has an owner in children.
    for (const _ of this.dbs.children.getKeys({ ...prefixRange(this.tag, folderId), limit: 1 })) return true;
    return false;
  }

  /** Ids of the folder's children, displaced ones included. */
  childIds(folderId: string): string[] {
    const ids: string[] = [];
    for (const { value } of this.dbs.children.getRange(prefixRange(this.tag, folderId))) ids.push(value[0]);
    for (const key of this.dbs.collisions.getKeys(prefixRange(this.tag, folderId)))
      ids.push(key[3] as string);
    return ids;
  }

  result(): AppliedChanges {
    return {
      driveId: this.driveId,
      upserted: [...this.upserted],
      deleted: [...this.deleted],
      moved: [...this.moved],
      parents: [...this.parents],
    };
  }

  /** Ends the transaction's edits: the drive state, and a new stamp on every changed listing. */
  saveState(): void {
    if (this.parents.size > 0) {
      const stamp = nextStamp(this.dbs);
      for (const id of this.parents) this.dbs.stamps.putSync(stampKey(this.tag, id), stamp);
    }
    this.dbs.drives.putSync(this.driveId, this.state);
  }

  private link(rec: IndexedItem, folded: string): void {
    const d = this.tag;
    const parentId = rec.parentId!;
    const key = childKey(d, parentId, folded);
    const value = childValue(rec);
    this.parents.add(parentId);
    // Nearly always the key is free: try that first and spare a read. (lmdb's typings say void;
    // inside a transaction putSync returns whether the write happened.)
    const inserted: unknown = this.dbs.children.putSync(key, value, { noOverwrite: true });
    if (inserted === true) return;
    const owner = this.dbs.children.get(key);
    if (owner !== undefined && owner[0] !== rec.id) {
      this.dbs.collisions.putSync(collisionKey(d, parentId, folded, owner[0]), true);
      this.state.collisions += 1;
    }
    this.dbs.children.putSync(key, value);
  }

  private unlink(old: IndexedItem, folded: string): void {
    const d = this.tag;
    const parentId = old.parentId!;
    const key = childKey(d, parentId, folded);
    // Without collisions in the drive every item owns its key: no need to look.
    if (this.state.collisions > 0) {
      const owner = this.dbs.children.get(key);
      if (owner === undefined || owner[0] !== old.id) {
        if (this.dbs.collisions.removeSync(collisionKey(d, parentId, folded, old.id)))
          this.state.collisions -= 1;
        return;
      }
      const next = this.firstDisplaced(parentId, folded);
      if (next !== undefined) {
        this.dbs.collisions.removeSync(collisionKey(d, parentId, folded, next.id));
        this.state.collisions -= 1;
        this.dbs.children.putSync(key, childValue(next));
        this.parents.add(parentId);
        return;
      }
    }
    this.dbs.children.removeSync(key);
    this.parents.add(parentId);
  }

  /** Rewrites the listing value if this item owns its key; a displaced item has none. */
  private refresh(rec: IndexedItem, folded: string): void {
    const key = childKey(this.tag, rec.parentId!, folded);
    if (this.state.collisions > 0 && this.dbs.children.get(key)?.[0] !== rec.id) return;
    this.dbs.children.putSync(key, childValue(rec));
    this.parents.add(rec.parentId!);
  }

  private firstDisplaced(parentId: string, folded: string): IndexedItem | undefined {
    for (const key of this.dbs.collisions.getKeys({ ...prefixRange(this.tag, parentId, folded), limit: 1 })) {
      const item = this.getItem(key[3] as string);
      if (item !== undefined) return item;
    }
    return undefined;
  }

  private firstPending(): string | undefined {
    for (const key of this.dbs.pending.getKeys({ ...prefixRange(this.tag), limit: 1 }))
      return key[1] as string;
    return undefined;
  }

  private count(item: IndexedItem | undefined, sign: number): void {
    if (item === undefined) return;
    this.state.itemCount += sign;
    if (item.isFolder) this.state.folderCount += sign;
  }
}

/** Field order is fixed so records of one shape share one msgpack structure. */
function toRecord(i: ItemInput, generation: number): IndexedItem {
  const rec: IndexedItem = {
    id: i.id,
    name: i.name,
    parentId: i.parentId,
    isFolder: i.isFolder,
    size: i.size,
    createdAt: i.createdAt,
    modifiedAt: i.modifiedAt,
    eTag: i.eTag,
    generation,
  };
  if (i.cTag !== undefined) rec.cTag = i.cTag;
  if (i.quickXorHash !== undefined) rec.quickXorHash = i.quickXorHash;
  if (i.webUrl !== undefined) rec.webUrl = i.webUrl;
  if (i.mimeType !== undefined) rec.mimeType = i.mimeType;
  if (i.childCount !== undefined) rec.childCount = i.childCount;
  return rec;
}

function sameRecord(a: IndexedItem, b: IndexedItem): boolean {
  return (
    a.generation === b.generation &&
    a.eTag === b.eTag &&
    a.name === b.name &&
    a.parentId === b.parentId &&
    a.isFolder === b.isFolder &&
    a.size === b.size &&
    a.createdAt === b.createdAt &&
    a.modifiedAt === b.modifiedAt &&
    a.cTag === b.cTag &&
    a.quickXorHash === b.quickXorHash &&
    a.webUrl === b.webUrl &&
    a.mimeType === b.mimeType &&
    a.childCount === b.childCount
  );
}
