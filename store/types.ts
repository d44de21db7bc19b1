// Record types of the metadata index. The store knows nothing of Graph's JSON shapes: the feed
// layer maps a driveItem to an ItemInput, so a Graph schema change never touches stored data.

/** One file or folder as the index keeps it. Times are milliseconds since the epoch. */
export interface IndexedItem {
  id: string;
  /** Display name exactly as the server sent it (original case and normalization). */
  name: string;
  /** null only for the drive's root. */
  parentId: string | null;
  isFolder: boolean;
  size: number;
  createdAt: number;
  modifiedAt: number;
  eTag: string;
  cTag?: string;
  quickXorHash?: string;
  webUrl?: string;
  mimeType?: string;
  childCount?: number;
  /** Drive generation that last wrote this record; a resync sweep removes older ones. */
  generation: number;
}

/** What the feed supplies for an upsert; the store stamps the generation. */
export type ItemInput = Omit<IndexedItem, 'generation'>;

/** Deleted items come from Graph without name or parent, so a delete carries only the id. */
export type ItemChange = { kind: 'upsert'; item: ItemInput } | { kind: 'delete'; id: string };

/** The link of the page a batch came from, committed with the batch. */
export type PageLink = { nextLink: string } | { deltaLink: string };

/** What a committed batch changed, for cache invalidation by upper layers. */
export interface AppliedChanges {
  driveId: string;
  /** Ids created or whose record changed (unchanged repeats, such as the root, are left out). */
  upserted: string[];
  /** Ids removed from the index (deferred folder deletes appear in the batch that completes them). */
  deleted: string[];
  /** Ids whose parent or name changed (subset of upserted): their old path is gone. */
  moved: string[];
  /** Folder ids whose listing changed (entries added, removed, renamed or resized). */
  parents: string[];
}

export interface DriveState {
  /** Link to resume from once an enumeration is complete. */
  deltaLink?: string;
  /** Link of the next page of an enumeration in flight; resume from it first. */
  nextLink?: string;
  generation: number;
  resyncing: boolean;
  itemCount: number;
  folderCount: number;
  /**
   * Items whose name is taken by a sibling of the same folded name (transient within a feed;
   * such an item is kept but not listed until the name is free). 0 once a feed is complete.
   */
  collisions: number;
  /** When a page carrying a deltaLink was last committed. */
  lastSyncAt?: number;
  rootId?: string;
}

/** A listing entry: enough for readdir and getattr without a second read per entry. */
export interface ChildEntry {
  id: string;
  name: string;
  /** The children-index key of this entry; pass the last one as `after` to page on. */
  folded: string;
  isFolder: boolean;
  size: number;
  modifiedAt: number;
  createdAt: number;
}

export interface ListOptions {
  limit?: number;
  /** Folded name of the last entry already seen (ListPage.cursor); exclusive. */
  after?: string;
}

export interface ListPage {
  entries: ChildEntry[];
  /** Set when more entries may follow; pass as `after`. */
  cursor?: string;
}

export interface IndexOptions {
  /** Skip fsync on commit: for tests and benchmarks, never for a real mount. */
  noSync?: boolean;
  /** LMDB reader slots; raise when many processes share one index. */
  maxReaders?: number;
  /** Child entries kept in memory across all cached folder listings (default 100,000). */
  listCacheEntries?: number;
}
