import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Index,
  type IndexOptions,
  type ItemChange,
  type ItemInput,
  openIndex,
} from '../../store/index.js';

export const D = 'b!drive-under-test';
export const ROOT = 'ROOT';

export interface TempIndex {
  index: Index;
  dir: string;
  reopen(): Promise<Index>;
  dispose(): Promise<void>;
}

/** A real LMDB index in a fresh temporary directory, removed by dispose(). */
export function tempIndex(opts: IndexOptions = { noSync: true }): TempIndex {
  const dir = mkdtempSync(join(tmpdir(), 'deltafs-store-'));
  const t: TempIndex = {
    index: openIndex(join(dir, 'index'), opts),
    dir,
    async reopen() {
      await t.index.close();
      t.index = openIndex(join(dir, 'index'), opts);
      return t.index;
    },
    async dispose() {
      await t.index.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

let clock = 1_700_000_000_000;

export function file(id: string, name: string, parentId: string, extra: Partial<ItemInput> = {}): ItemInput {
  clock += 1000;
  return {
    id,
    name,
    parentId,
    isFolder: false,
    size: 100,
    createdAt: clock,
    modifiedAt: clock,
    eTag: `"${id},1"`,
    ...extra,
  };
}

export function folder(
  id: string,
  name: string,
  parentId: string | null,
  extra: Partial<ItemInput> = {},
): ItemInput {
  return file(id, name, parentId as string, { isFolder: true, size: 0, ...extra, parentId });
}

export function root(): ItemInput {
  return folder(ROOT, 'root', null, { createdAt: 1, modifiedAt: 1 });
}

export const up = (item: ItemInput): ItemChange => ({ kind: 'upsert', item });
export const del = (id: string): ItemChange => ({ kind: 'delete', id });
export const next = (n = 1) => ({ nextLink: `https://graph.test/delta?page=${n}` });
export const delta = (n = 1) => ({ deltaLink: `https://graph.test/delta?token=${n}` });

/** Names of a folder's listing, in listing order. */
export function names(index: Index, parentId: string, driveId = D): string[] {
  return index.list(driveId, parentId).entries.map((e) => e.name);
}
