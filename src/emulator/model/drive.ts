import { GraphError, notFound } from '../http/errors.js';
import { randomItemId } from './ids.js';
import { type Content, cTagOf, type EmItem, eTagOf, isFolder } from './item.js';
import { foldName, renameCandidate, validateName } from './names.js';

export type ConflictBehavior = 'fail' | 'replace' | 'rename';

export interface DriveInfo {
  id: string;
  name: string;
  siteId: string;
  siteName: string;
  driveType: 'documentLibrary' | 'business' | 'personal';
  quotaTotal: number;
  createdAt: number;
}

export function makeItem(
  id: string,
  name: string,
  parentId: string | null,
  folder: boolean,
  content: Content | null,
  size: number,
  now: number,
  by: string,
): EmItem {
  return {
    id,
    name,
    parentId,
    children: folder ? new Map() : null,
    size,
    createdAt: now,
    modifiedAt: now,
    etagVer: 1,
    ctagVer: 1,
    seq: 0,
    deleted: false,
    content,
    hash: null,
    mimeType: null,
    modifiedBy: by,
  };
}

/** Supplies hashes for content the drive does not store (seeded) or has not hashed yet. */
export type HashOf = (content: Content, size: number) => string;

/**
 * One document library: the live tree, plus a change log whose order is the delta feed's.
 * The log holds item references; an entry is current when `item.seq` points back at it, so a
 * change is one append and an item's older entries go stale by themselves.
 */
export class Drive {
  readonly items = new Map<string, EmItem>();
  readonly root: EmItem;
  /** log[seq] = item whose state changed at seq; logTime[seq] = when. Index 0 is unused. */
  readonly log: EmItem[] = [];
  readonly logTime: number[] = [];
  /** Delta tokens below this seq answer 410 (retention expired or a resync was forced). */
  minValidSeq = 0;
  usedBytes = 0;
  liveFiles = 0;
  liveFolders = 0;
  private readonly listeners = new Set<(drive: Drive) => void>();

  constructor(
    readonly info: DriveInfo,
    readonly hashOf: HashOf,
    rootId: string = randomItemId(),
  ) {
    this.log.push(undefined as unknown as EmItem);
    this.logTime.push(info.createdAt);
    this.root = makeItem(rootId, 'root', null, true, null, 0, info.createdAt, 'System Account');
    this.items.set(rootId, this.root);
    this.liveFolders = 1;
    this.append(this.root, info.createdAt);
  }

  get id(): string {
    return this.info.id;
  }

  get latestSeq(): number {
    return this.log.length - 1;
  }

  onChange(fn: (drive: Drive) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private notify(): void {
    for (const fn of this.listeners) fn(this);
  }

  private append(item: EmItem, now: number): void {
    item.seq = this.log.length;
    this.log.push(item);
    this.logTime.push(now);
  }

  /** Folder sizes are the sum of their subtree, as Graph reports them. */
  private bubbleSize(parentId: string | null, delta: number): void {
    if (delta === 0) return;
    let p = parentId ? this.items.get(parentId) : undefined;
    while (p) {
      p.size += delta;
      p = p.parentId ? this.items.get(p.parentId) : undefined;
    }
  }

  /** Records a change of `item` and of the folders whose size/childCount it changed. */
  private touch(item: EmItem, now: number, ancestorsToo: boolean): void {
    this.append(item, now);
    if (!ancestorsToo) return;
    let p = item.parentId ? this.items.get(item.parentId) : undefined;
    while (p) {
      p.etagVer++;
      this.append(p, now);
      p = p.parentId ? this.items.get(p.parentId) : undefined;
    }
  }

  // ---- reads ----

  get(id: string): EmItem {
    const item = id === 'root' ? this.root : this.items.get(id);
    if (!item || item.deleted) throw notFound('Item not found');
    return item;
  }

  childOf(parent: EmItem, name: string): EmItem | undefined {
    const id = parent.children?.get(foldName(name));
    return id ? this.items.get(id) : undefined;
  }

  /** Resolves 'a/b/c' (already percent-decoded segments) below `from`. */
  byPath(from: EmItem, segments: string[]): EmItem {
    let cur = from;
    for (const seg of segments) {
      if (seg === '') continue;
      if (!isFolder(cur)) throw notFound('Item not found');
      const next = this.childOf(cur, seg);
      if (!next) throw notFound('Item not found');
      cur = next;
    }
    return cur;
  }

  pathOf(item: EmItem): string {
    const parts: string[] = [];
    let cur: EmItem | undefined = item;
    while (cur && cur.parentId !== null) {
      parts.push(cur.name);
      cur = this.items.get(cur.parentId);
    }
    return parts.reverse().join('/');
  }

  isAncestor(maybeAncestor: EmItem, item: EmItem): boolean {
    let cur: EmItem | undefined = item;
    while (cur) {
      if (cur === maybeAncestor) return true;
      cur = cur.parentId ? this.items.get(cur.parentId) : undefined;
    }
    return false;
  }

  hashFor(item: EmItem): string | null {
    if (!item.content) return null;
    if (item.hash === null) item.hash = this.hashOf(item.content, item.size);
    return item.hash;
  }

  // ---- writes (all validate first, then change, then append to the log) ----

  /** `If-Match` with the item's eTag or cTag (or `*`) passes; anything else is Graph's 412. */
  checkIfMatch(item: EmItem, ifMatch: string | undefined): void {
    if (ifMatch === undefined) return;
    const tag = ifMatch.trim();
    if (tag === '*' || tag === eTagOf(item) || tag === cTagOf(item)) return;
    throw new GraphError(
      412,
      'resourceModified',
      "ETag does not match current item's value",
      'entityTagDoesNotMatch',
    );
  }

  /** Picks the name to create under `parent`, applying conflictBehavior; returns the item to replace, if any. */
  private resolveConflict(
    parent: EmItem,
    name: string,
    behavior: ConflictBehavior,
    exceptId?: string,
  ): { name: string; existing?: EmItem } {
    const existing = this.childOf(parent, name);
    if (!existing || existing.id === exceptId) return { name };
    if (behavior === 'replace') return { name, existing };
    if (behavior === 'rename') {
      for (let n = 1; ; n++) {
        const candidate = renameCandidate(name, n);
        if (!this.childOf(parent, candidate)) return { name: candidate };
      }
    }
    throw new GraphError(409, 'nameAlreadyExists', `The specified item name already exists. Name: ${name}`);
  }

  private attach(parent: EmItem, item: EmItem): void {
    parent.children!.set(foldName(item.name), item.id);
  }

  private detach(item: EmItem): void {
    const parent = item.parentId ? this.items.get(item.parentId) : undefined;
    const key = foldName(item.name);
    if (parent?.children?.get(key) === item.id) parent.children.delete(key);
  }

  private parentFolder(parentId: string): EmItem {
    const parent = this.get(parentId);
    if (!isFolder(parent)) throw new GraphError(400, 'invalidRequest', 'The parent is not a folder.');
    return parent;
  }

  createFolder(
    parentId: string,
    rawName: unknown,
    opts: { conflict?: ConflictBehavior; by?: string; now?: number; id?: string } = {},
  ): EmItem {
    const now = opts.now ?? Date.now();
    const parent = this.parentFolder(parentId);
    const { name, existing } = this.resolveConflict(parent, validateName(rawName), opts.conflict ?? 'fail');
    if (existing) {
      if (isFolder(existing) && (opts.conflict ?? 'fail') === 'replace') {
        // Graph's "replace" of a folder by a folder keeps it.
        return existing;
      }
      this.remove(existing.id, { now, by: opts.by });
    }
    const item = makeItem(opts.id ?? randomItemId(), name, parent.id, true, null, 0, now, opts.by ?? 'User');
    this.items.set(item.id, item);
    this.attach(parent, item);
    this.liveFolders++;
    this.touch(item, now, true);
    this.notify();
    return item;
  }

  /** Creates a file, or replaces the content of the same-named one (conflict 'replace'). */
  putFile(
    parentId: string,
    rawName: unknown,
    content: Content,
    size: number,
    opts: { conflict?: ConflictBehavior; by?: string; now?: number; hash?: string; ifMatch?: string } = {},
  ): { item: EmItem; created: boolean } {
    const now = opts.now ?? Date.now();
    const parent = this.parentFolder(parentId);
    const { name, existing } = this.resolveConflict(parent, validateName(rawName), opts.conflict ?? 'fail');
    if (existing && !isFolder(existing)) {
      return { item: this.setContent(existing.id, content, size, { ...opts, now }), created: false };
    }
    if (opts.ifMatch !== undefined && opts.ifMatch !== '*') {
      throw new GraphError(
        412,
        'resourceModified',
        'The item does not exist any more',
        'entityTagDoesNotMatch',
      );
    }
    if (existing) this.remove(existing.id, { now, by: opts.by });
    const item = makeItem(randomItemId(), name, parent.id, false, content, size, now, opts.by ?? 'User');
    item.hash = opts.hash ?? null;
    this.items.set(item.id, item);
    this.attach(parent, item);
    this.liveFiles++;
    this.usedBytes += size;
    this.bubbleSize(parent.id, size);
    this.touch(item, now, true);
    this.notify();
    return { item, created: true };
  }

  setContent(
    id: string,
    content: Content,
    size: number,
    opts: { by?: string; now?: number; hash?: string; ifMatch?: string } = {},
  ): EmItem {
    const item = this.get(id);
    if (isFolder(item)) throw new GraphError(400, 'invalidRequest', 'Cannot write content to a folder.');
    this.checkIfMatch(item, opts.ifMatch);
    const now = opts.now ?? Date.now();
    this.usedBytes += size - item.size;
    this.bubbleSize(item.parentId, size - item.size);
    item.content = content;
    item.size = size;
    item.hash = opts.hash ?? null;
    item.modifiedAt = now;
    item.modifiedBy = opts.by ?? 'User';
    item.etagVer++;
    item.ctagVer++;
    this.touch(item, now, true);
    this.notify();
    return item;
  }

  /** PATCH: rename and/or move. Ids are stable. */
  update(
    id: string,
    patch: { name?: unknown; parentId?: string },
    opts: { by?: string; now?: number; ifMatch?: string; conflict?: ConflictBehavior } = {},
  ): EmItem {
    const item = this.get(id);
    if (item === this.root)
      throw new GraphError(400, 'invalidRequest', 'The root cannot be renamed or moved.');
    this.checkIfMatch(item, opts.ifMatch);
    const newName = patch.name === undefined ? item.name : validateName(patch.name);
    const newParent =
      patch.parentId === undefined ? this.get(item.parentId!) : this.parentFolder(patch.parentId);
    if (isFolder(item) && this.isAncestor(item, newParent)) {
      throw new GraphError(400, 'invalidRequest', 'A folder cannot be moved into itself or its descendants.');
    }
    const { name, existing } = this.resolveConflict(newParent, newName, opts.conflict ?? 'fail', item.id);
    const now = opts.now ?? Date.now();
    if (existing) this.remove(existing.id, { now, by: opts.by });
    const oldParentId = item.parentId!;
    this.detach(item);
    this.bubbleSize(oldParentId, -item.size);
    this.bubbleSize(newParent.id, item.size);
    item.name = name;
    item.parentId = newParent.id;
    this.attach(newParent, item);
    item.modifiedAt = now;
    item.modifiedBy = opts.by ?? 'User';
    item.etagVer++;
    this.touch(item, now, true);
    if (oldParentId !== newParent.id) {
      let p = this.items.get(oldParentId);
      while (p && !p.deleted) {
        p.etagVer++;
        this.append(p, now);
        p = p.parentId ? this.items.get(p.parentId) : undefined;
      }
    }
    this.notify();
    return item;
  }

  /** Deletes an item and its whole subtree (to the recycle bin: tombstones stay in the log). */
  remove(id: string, opts: { by?: string; now?: number; ifMatch?: string } = {}): void {
    const item = this.get(id);
    if (item === this.root) throw new GraphError(403, 'accessDenied', 'The root cannot be deleted.');
    this.checkIfMatch(item, opts.ifMatch);
    const now = opts.now ?? Date.now();
    this.detach(item);
    this.bubbleSize(item.parentId, -item.size);
    const stack = [item];
    while (stack.length) {
      const cur = stack.pop()!;
      if (cur.children) {
        for (const childId of cur.children.values()) stack.push(this.items.get(childId)!);
        cur.children.clear();
        this.liveFolders--;
      } else {
        this.liveFiles--;
        this.usedBytes -= cur.size;
      }
      cur.deleted = true;
      cur.etagVer++;
      cur.modifiedAt = now;
      this.append(cur, now);
    }
    const parent = this.items.get(item.parentId!);
    if (parent) {
      parent.etagVer++;
      this.touch(parent, now, true);
    }
    this.notify();
  }

  /** Appends generated items without notifying (bulk generator path). Parent must be attached first. */
  bulkAdd(item: EmItem, now: number): void {
    const parent = this.items.get(item.parentId!)!;
    this.items.set(item.id, item);
    parent.children!.set(foldName(item.name), item.id);
    if (item.children) this.liveFolders++;
    else {
      this.liveFiles++;
      this.usedBytes += item.size;
    }
    this.append(item, now);
  }

  /** After bulkAdd: folder sizes are the sums of their subtrees (the log holds parents before children). */
  finishBulk(): void {
    for (let seq = this.log.length - 1; seq >= 1; seq--) {
      const item = this.log[seq]!;
      if (item.seq !== seq || item.parentId === null) continue;
      const parent = this.items.get(item.parentId);
      if (parent) parent.size += item.size;
    }
  }

  /** Makes every token issued so far answer 410 (a forced resync). */
  invalidateTokens(): void {
    this.minValidSeq = Math.max(this.log.length, this.minValidSeq + 1);
  }

  /** First seq whose change happened after `time` (timestamp tokens). */
  seqAfterTime(time: number): number {
    let lo = 1;
    let hi = this.logTime.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.logTime[mid]! <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
