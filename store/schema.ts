// The LMDB environment and its sub-databases. Several drives share one environment: every key
// starts with the drive's tag, so a drive's data is one contiguous range in each sub-database.
// The tag is a short string allocated once per drive id and never reused: Graph drive ids are
// ~70 bytes, and repeating them in two keys per item made the index ~20% larger.

import { type Database, open, type RootDatabase } from 'lmdb';
import type { ChildValue, Key } from './keys.js';
import type { DriveState, IndexedItem, IndexOptions } from './types.js';

/** Bumped when the key layout or record shapes change incompatibly. */
export const SCHEMA_VERSION = 2;

export interface Dbs {
  env: RootDatabase;
  items: Database<IndexedItem, Key>;
  children: Database<ChildValue, Key>;
  collisions: Database<true, Key>;
  pending: Database<true, Key>;
  /** [drive, folderId] -> the stamp of the last write that changed the folder's listing. */
  stamps: Database<number, Key>;
  drives: Database<DriveState, string>;
  /** driveId -> tag; permanent, so other processes may cache it. */
  tags: Database<string, string>;
  meta: Database<unknown, string>;
}

export function openDbs(path: string, opts: IndexOptions = {}): Dbs {
  const env = open({
    path,
    // Room for the sub-databases other parts of the store (block cache, upload journal) add.
    maxDbs: 32,
    noSync: opts.noSync ?? false,
    ...(opts.maxReaders === undefined ? {} : { maxReaders: opts.maxReaders }),
  });
  // Records share msgpack structures (keys written once per shape, not per record); the option
  // is not inherited from the environment, so each openDB names its own structures key.
  const dbs: Dbs = {
    env,
    items: env.openDB('items', { sharedStructuresKey: Symbol.for('structures') }),
    children: env.openDB('children', {}),
    collisions: env.openDB('collisions', {}),
    pending: env.openDB('pending', {}),
    stamps: env.openDB('stamps', {}),
    drives: env.openDB('drives', {}),
    tags: env.openDB('tags', {}),
    meta: env.openDB('meta', {}),
  };
  checkSchema(dbs);
  return dbs;
}

function checkSchema(dbs: Dbs): void {
  const found = dbs.meta.get('schema');
  if (found === undefined) {
    dbs.meta.putSync('schema', SCHEMA_VERSION);
    return;
  }
  if (found !== SCHEMA_VERSION) {
    throw new Error(
      `index schema ${String(found)} is not the supported ${SCHEMA_VERSION}; remove the index to rebuild it`,
    );
  }
}

/** Inside a write transaction: a number no earlier transaction of this index has used. */
export function nextStamp(dbs: Dbs): number {
  const n = ((dbs.meta.get('lastStamp') as number | undefined) ?? 0) + 1;
  dbs.meta.putSync('lastStamp', n);
  return n;
}

export function findDriveTag(dbs: Dbs, driveId: string): string | undefined {
  return dbs.tags.get(driveId);
}

/** Inside a write transaction: the drive's tag, allocated on first use. */
export function ensureDriveTag(dbs: Dbs, driveId: string): string {
  const found = dbs.tags.get(driveId);
  if (found !== undefined) return found;
  const n = (dbs.meta.get('nextDriveTag') as number | undefined) ?? 1;
  dbs.meta.putSync('nextDriveTag', n + 1);
  const tag = n.toString(36);
  dbs.tags.putSync(driveId, tag);
  return tag;
}
