// The metadata index: one LMDB environment holding the items, the ordered children index and
// the delta state of any number of drives. Reads are synchronous; each write is one
// transaction that also carries the delta link of the page it applies.

import type { RootDatabase } from 'lmdb';
import { applyChanges, lastWins, settlePending, sweep } from './apply.js';
import { prefixRange, stampKey } from './keys.js';
import { ListCache } from './list-cache.js';
import * as read from './read.js';
import { type Dbs, findDriveTag, openDbs } from './schema.js';
import type {
  AppliedChanges,
  ChildEntry,
  DriveState,
  IndexedItem,
  IndexOptions,
  ItemChange,
  ListOptions,
  ListPage,
  PageLink,
} from './types.js';
import { checkChanges, checkDriveId, checkLink } from './validate.js';
import { DriveWriter } from './writer.js';

export { foldName } from './fold.js';
export type * from './types.js';
export { InvalidChangeError } from './validate.js';

export function openIndex(path: string, opts: IndexOptions = {}): Index {
  return new Index(openDbs(path, opts), new ListCache(opts.listCacheEntries ?? 100_000));
}

export class Index {
  readonly #dbs: Dbs;
  readonly #tags = new Map<string, string>();
  readonly #lists: ListCache;
  #closed: Promise<void> | undefined;

  constructor(dbs: Dbs, lists: ListCache) {
    this.#dbs = dbs;
    this.#lists = lists;
  }

  /** The environment, for other parts of the store that keep their own sub-databases in it. */
  get env(): RootDatabase {
    return this.#dbs.env;
  }

  /**
   * Applies one delta page in one transaction, together with its link, so that after a crash
   * the feed resumes exactly after the last committed page. Resolves once committed; malformed
   * input rejects with InvalidChangeError before anything is written.
   */
  async applyBatch(driveId: string, changes: readonly ItemChange[], link: PageLink): Promise<AppliedChanges> {
    checkDriveId(driveId);
    checkChanges(driveId, changes);
    checkLink(link);
    const ordered = lastWins(changes);
    return this.#write(driveId, (w) => {
      applyChanges(w, ordered, link);
      return w.result();
    });
  }

  /**
   * Starts a full re-enumeration after a 410: bumps the generation (items keep serving
   * listings until the sweep) and drops the dead links. `nextLink` is the enumeration's first
   * link (the 410's Location), kept so a crash before the first page resumes with it.
   */
  async beginResync(driveId: string, start: { nextLink?: string } = {}): Promise<DriveState> {
    checkDriveId(driveId);
    return this.#write(driveId, (w) => {
      w.state.generation += 1;
      w.state.resyncing = true;
      delete w.state.deltaLink;
      if (start.nextLink === undefined) delete w.state.nextLink;
      else w.state.nextLink = start.nextLink;
      w.saveState();
      return { ...w.state };
    });
  }

  /**
   * Removes everything the re-enumeration did not see. A batch applied with a deltaLink while
   * resyncing already does this in the same transaction as the link; this is for callers that
   * end an enumeration another way. A no-op when no resync is in progress.
   */
  async finishResync(driveId: string): Promise<AppliedChanges> {
    checkDriveId(driveId);
    return this.#write(driveId, (w) => {
      if (w.state.resyncing) {
        sweep(w);
        settlePending(w);
        w.saveState();
      }
      return w.result();
    });
  }

  /** Removes every record of a drive (a library no longer mounted). */
  async removeDrive(driveId: string): Promise<void> {
    checkDriveId(driveId);
    const dbs = this.#dbs;
    return dbs.env.childTransaction(() => {
      // The tag stays allocated: other processes may have cached it.
      const tag = findDriveTag(dbs, driveId);
      if (tag === undefined) return;
      this.#lists.dropDrive(tag);
      for (const db of [dbs.items, dbs.children, dbs.collisions, dbs.pending, dbs.stamps]) {
        for (const key of [...db.getKeys(prefixRange(tag))]) db.removeSync(key);
      }
      dbs.drives.removeSync(driveId);
    });
  }

  getItem(driveId: string, id: string): IndexedItem | undefined {
    const tag = this.#tag(driveId);
    return tag === undefined ? undefined : read.getItem(this.#dbs, tag, id);
  }

  getRoot(driveId: string): IndexedItem | undefined {
    const rootId = this.getDriveState(driveId)?.rootId;
    return rootId === undefined ? undefined : this.getItem(driveId, rootId);
  }

  /** The entry named `name` (compared case- and normalization-insensitively) in a folder. */
  lookupChild(driveId: string, parentId: string, name: string): ChildEntry | undefined {
    const tag = this.#tag(driveId);
    return tag === undefined ? undefined : read.lookupChild(this.#dbs, tag, parentId, name);
  }

  /** The item at '/a/b/c' from the drive's root ('/' is the root), segment by segment. */
  resolvePath(driveId: string, path: string): IndexedItem | undefined {
    const tag = this.#tag(driveId);
    const rootId = this.getDriveState(driveId)?.rootId;
    return tag === undefined || rootId === undefined
      ? undefined
      : read.resolvePath(this.#dbs, tag, rootId, path);
  }

  /**
   * A folder's entries in folded-name order; page on with `after: page.cursor`. Whole listings
   * are kept in memory until the folder changes (list-cache.ts); entries are frozen.
   */
  list(driveId: string, parentId: string, opts: ListOptions = {}): ListPage {
    if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) {
      throw new RangeError(`limit must be a positive integer, got ${opts.limit}`);
    }
    const tag = this.#tag(driveId);
    if (tag === undefined) return { entries: [] };
    const stamp = this.#dbs.stamps.get(stampKey(tag, parentId));
    const cached = stamp === undefined ? undefined : this.#lists.get(tag, parentId, stamp);
    if (cached !== undefined) return read.pageOf(cached, opts);
    if (stamp === undefined || opts.limit !== undefined || opts.after !== undefined) {
      return read.list(this.#dbs, tag, parentId, opts);
    }
    const { entries } = read.list(this.#dbs, tag, parentId);
    this.#lists.set(tag, parentId, stamp, entries);
    return { entries: entries.slice() };
  }

  /**
   * Reads ahead the listings that the next `ls` would otherwise pay a range read for (15–25 ms
   * per 10,000 entries): of the given folders (those a round of changes touched), each whose
   * cached listing a reader has used since it was read (someone is browsing it) or that holds at
   * least `minChildren` entries by its last known childCount. Listings read here count as unused
   * until a reader asks, so a folder nobody lists is not read again after every change to it.
   * Returns how many listings were read.
   */
  warmListings(driveId: string, folderIds: Iterable<string>, minChildren: number): number {
    const tag = this.#tag(driveId);
    if (tag === undefined) return 0;
    let warmed = 0;
    for (const id of folderIds) {
      if (!this.#lists.browsed(tag, id)) {
        const childCount = read.getItem(this.#dbs, tag, id)?.childCount ?? 0;
        if (childCount < minChildren || !this.#lists.fits(childCount)) continue;
      }
      // A folder removed since has no stamp: nothing to read (its stale listing is never served).
      const stamp = this.#dbs.stamps.get(stampKey(tag, id));
      if (stamp === undefined || this.#lists.isCurrent(tag, id, stamp)) continue;
      this.#lists.set(tag, id, stamp, read.list(this.#dbs, tag, id).entries, false);
      warmed++;
    }
    return warmed;
  }

  /** Counts the entries by walking them (about 0.2 ms per 1,000). */
  countChildren(driveId: string, parentId: string): number {
    const tag = this.#tag(driveId);
    return tag === undefined ? 0 : read.countChildren(this.#dbs, tag, parentId);
  }

  getDriveState(driveId: string): DriveState | undefined {
    return this.#dbs.drives.get(driveId);
  }

  drives(): string[] {
    return [...this.#dbs.drives.getKeys()];
  }

  /** Folders whose delete waits for their children (diagnostics). */
  pendingDeletes(driveId: string): string[] {
    const tag = this.#tag(driveId);
    return tag === undefined ? [] : read.pendingDeletes(this.#dbs, tag);
  }

  /** Waits for queued writes, then closes the environment; later calls return the same promise. */
  close(): Promise<void> {
    this.#closed ??= this.#dbs.env.close();
    return this.#closed;
  }

  #tag(driveId: string): string | undefined {
    let tag = this.#tags.get(driveId);
    if (tag === undefined) {
      tag = findDriveTag(this.#dbs, driveId);
      // Tags are never reassigned, so caching a found one is safe across processes.
      if (tag !== undefined) this.#tags.set(driveId, tag);
    }
    return tag;
  }

  #write<T>(driveId: string, edit: (w: DriveWriter) => T): Promise<T> {
    // A child transaction, because an exception in a plain async transaction callback still
    // commits the writes made before it; here it rolls the whole page back.
    return this.#dbs.env.childTransaction(() => {
      return edit(new DriveWriter(this.#dbs, driveId));
    });
  }
}
