// The metadata index: one LMDB environment holding the items, the ordered children index and
// the delta state of any number of drives. Reads are synchronous; each write is one
// transaction that also carries the delta link of the page it applies.

import type { RootDatabase } from 'lmdb';
import { applyChanges, lastWins, settlePending, sweep } from './apply.js';
import { prefixRange } from './keys.js';
import * as read from './read.js';
import { type Dbs, openDbs } from './schema.js';
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
  return new Index(openDbs(path, opts));
}

export class Index {
  readonly #dbs: Dbs;

  constructor(dbs: Dbs) {
    this.#dbs = dbs;
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
      for (const db of [dbs.items, dbs.children, dbs.collisions, dbs.pending]) {
        for (const key of [...db.getKeys(prefixRange(driveId))]) {
          db.removeSync(key);
        }
      }
      dbs.drives.removeSync(driveId);
    });
  }

  getItem(driveId: string, id: string): IndexedItem | undefined {
    return read.getItem(this.#dbs, driveId, id);
  }

  getRoot(driveId: string): IndexedItem | undefined {
    return read.getRoot(this.#dbs, driveId);
  }

  lookupChild(driveId: string, parentId: string, name: string): ChildEntry | undefined {
    return read.lookupChild(this.#dbs, driveId, parentId, name);
  }

  resolvePath(driveId: string, path: string): IndexedItem | undefined {
    return read.resolvePath(this.#dbs, driveId, path);
  }

  list(driveId: string, parentId: string, opts?: ListOptions): ListPage {
    return read.list(this.#dbs, driveId, parentId, opts);
  }

  countChildren(driveId: string, parentId: string): number {
    return read.countChildren(this.#dbs, driveId, parentId);
  }

  getDriveState(driveId: string): DriveState | undefined {
    return read.getDriveState(this.#dbs, driveId);
  }

  drives(): string[] {
    return read.drives(this.#dbs);
  }

  pendingDeletes(driveId: string): string[] {
    return read.pendingDeletes(this.#dbs, driveId);
  }

  /** Waits for queued writes, then closes the environment. */
  close(): Promise<void> {
    return this.#dbs.env.close();
  }

  #write<T>(driveId: string, edit: (w: DriveWriter) => T): Promise<T> {
    // A child transaction, because an exception in a plain async transaction callback still
    // commits the writes made before it; here it rolls the whole page back.
    return Promise.resolve(this.#dbs.env.transactionSync(() => {
      return edit(new DriveWriter(this.#dbs, driveId));
    }));
  }
}
