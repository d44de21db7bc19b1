// The mount's tree: virtual directories for sites (and the mount root) above each library's
// own tree, which comes from the index. Paths are resolved segment by segment on every call —
// there is no path cache to invalidate: the index is the cache, and a lookup costs one LMDB
// B-tree read (microseconds) per segment.

import { type ChildEntry, foldName, type Index } from '../../store/index.js';
import { VfsError } from './errors.js';

/** One mapped library; structurally the app runtime's MappedLibrary. */
export interface VfsLibrary {
  driveId: string;
  siteName: string;
  libraryName: string;
  quotaTotal?: number;
  quotaUsed?: number;
}

/**
 * `sites`: `/<site>/<library>/...` for every library (the default).
 * `library`: a single library's root is the mount's root.
 */
export type Layout = 'sites' | 'library';

export interface VirtualDir {
  kind: 'virtual';
  name: string;
  /** By folded name, so `/company` finds `Company` as the children index does. */
  children: Map<string, VirtualDir | LibraryDir>;
}

export interface LibraryDir {
  kind: 'library';
  name: string;
  lib: VfsLibrary;
}

/** What a path names: a virtual directory, or a folder or file of a library (its root included). */
export type Node =
  | { kind: 'virtual'; dir: VirtualDir }
  | {
      kind: 'item';
      lib: VfsLibrary;
      /** Undefined for a library root the index has not received yet (shown as an empty folder). */
      id: string | undefined;
      name: string;
      isFolder: boolean;
      size: number;
      modifiedAt: number;
      createdAt: number;
    };

export class Namespace {
  readonly root: VirtualDir | LibraryDir;
  /** Times of the virtual directories, and of a library root not yet indexed. */
  readonly createdAt: number;
  readonly #index: Index;
  /**
   * Root item id per drive, once the index has it. Not a cache of state: a drive's root id never
   * changes, and keeping it saves the two record reads (drive state, root item) that every path
   * below a library root would otherwise begin with.
   */
  readonly #rootIds = new Map<string, string>();

  constructor(
    index: Index,
    libraries: readonly VfsLibrary[],
    layout: Layout = 'sites',
    createdAt = Date.now(),
  ) {
    this.#index = index;
    this.createdAt = createdAt;
    if (layout === 'library') {
      if (libraries.length !== 1) {
        throw new Error(`layout 'library' mounts exactly one library, got ${libraries.length}`);
      }
      this.root = { kind: 'library', name: '', lib: libraries[0]! };
    } else {
      this.root = buildSites(libraries);
    }
  }

  /** Throws ENOENT, or ENOTDIR when a segment before the last (or a trailing slash) names a file. */
  resolve(path: string, syscall: string): Node {
    const segments = splitPath(path, syscall);
    let node: VirtualDir | LibraryDir = this.root;
    let i = 0;
    for (; i < segments.length && node.kind === 'virtual'; i++) {
      const next: VirtualDir | LibraryDir | undefined = node.children.get(foldName(segments[i]!));
      if (next === undefined) throw new VfsError('ENOENT', syscall, path);
      node = next;
    }
    if (node.kind === 'virtual') return { kind: 'virtual', dir: node };
    const lib = node.lib;
    if (i === segments.length) {
      const rootItem = this.#index.getRoot(lib.driveId);
      return {
        kind: 'item',
        lib,
        id: rootItem?.id,
        name: node.name,
        isFolder: true,
        size: 0,
        modifiedAt: rootItem?.modifiedAt ?? this.createdAt,
        createdAt: rootItem?.createdAt ?? this.createdAt,
      };
    }
    const rootId = this.#rootId(lib.driveId);
    if (rootId === undefined) throw new VfsError('ENOENT', syscall, path);
    let entry: ChildEntry | undefined;
    let parentId = rootId;
    for (; i < segments.length; i++) {
      if (entry !== undefined && !entry.isFolder) throw new VfsError('ENOTDIR', syscall, path);
      entry = this.#index.lookupChild(lib.driveId, parentId, segments[i]!);
      if (entry === undefined) throw new VfsError('ENOENT', syscall, path);
      parentId = entry.id;
    }
    const found = entry!;
    if (!found.isFolder && path.endsWith('/')) throw new VfsError('ENOTDIR', syscall, path);
    return {
      kind: 'item',
      lib,
      id: found.id,
      name: found.name,
      isFolder: found.isFolder,
      size: found.isFolder ? 0 : found.size,
      modifiedAt: found.modifiedAt,
      createdAt: found.createdAt,
    };
  }

  #rootId(driveId: string): string | undefined {
    let id = this.#rootIds.get(driveId);
    if (id === undefined) {
      id = this.#index.getDriveState(driveId)?.rootId;
      if (id !== undefined) this.#rootIds.set(driveId, id);
    }
    return id;
  }

  /** Names as stored (case and normalization kept), in the index's folded-name order. */
  names(node: Node): string[] {
    if (node.kind === 'virtual') return [...node.dir.children.values()].map((c) => c.name);
    if (node.id === undefined) return [];
    const { entries } = this.#index.list(node.lib.driveId, node.id);
    const names = new Array<string>(entries.length);
    for (let k = 0; k < entries.length; k++) names[k] = entries[k]!.name;
    return names;
  }
}

/** Absolute paths only; '' and '.' segments are skipped and '..' climbs, as the kernel would. */
export function splitPath(path: string, syscall: string): string[] {
  if (!path.startsWith('/')) throw new VfsError('EINVAL', syscall, path);
  const out: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}

function buildSites(libraries: readonly VfsLibrary[]): VirtualDir {
  const root: VirtualDir = { kind: 'virtual', name: '', children: new Map() };
  for (const lib of libraries) {
    const siteKey = foldName(lib.siteName);
    let site = root.children.get(siteKey);
    if (site === undefined) {
      site = { kind: 'virtual', name: safeName(lib.siteName), children: new Map() };
      root.children.set(siteKey, site);
    }
    if (site.kind !== 'virtual') throw new Error('unreachable: the mount root holds only sites');
    const name = uniqueName(site, safeName(lib.libraryName));
    site.children.set(foldName(name), { kind: 'library', name, lib });
  }
  return root;
}

/**
 * Two libraries can show the same name in one site (OneDrives configured by drive id all say
 * 'Documents', under the fallback site 'drives'); later ones get ' (2)', ' (3)' in config order.
 */
function uniqueName(dir: VirtualDir, name: string): string {
  let candidate = name;
  for (let n = 2; dir.children.has(foldName(candidate)); n++) candidate = `${name} (${n})`;
  return candidate;
}

/** Site and library names come from Graph display names, which may hold a slash. */
function safeName(name: string): string {
  const cleaned = name.replaceAll('/', '_').replaceAll('\0', '');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? `_${cleaned}` : cleaned;
}
