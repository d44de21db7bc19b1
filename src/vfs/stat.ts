// Stats in the shape of Node's fs.Stats (the fields a FUSE or WebDAV front end needs), built
// from a resolved node without another index read.

import type { Node } from './namespace.js';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/**
 * One FUSE read request (the kernel splits reads into 128 KiB whatever max_read says); programs
 * that size their buffers by st_blksize (Python's io, for one) then ask for whole requests.
 */
export const BLOCK_SIZE = 128 * 1024;

export interface Owner {
  uid: number;
  gid: number;
}

export class VfsStats {
  readonly dev = 0;
  /** Left to the front end: libfuse's high-level API numbers inodes itself. */
  readonly ino = 0;
  readonly rdev = 0;
  /**
   * Always 1, directories included: 2 + subfolder count would need a walk of every listing,
   * and 1 is the value find(1)/fts read as "unknown", so they never skip subdirectories.
   */
  readonly nlink = 1;
  readonly blksize = BLOCK_SIZE;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly blocks: number;
  /** No access times are tracked: atime is the modification time. */
  readonly atimeMs: number;
  readonly mtimeMs: number;
  /** Graph has no inode-change time; the modification time is the closest it knows. */
  readonly ctimeMs: number;
  readonly birthtimeMs: number;

  constructor(
    isDir: boolean,
    perm: number,
    size: number,
    mtimeMs: number,
    birthtimeMs: number,
    owner: Owner,
  ) {
    this.mode = (isDir ? S_IFDIR : S_IFREG) | perm;
    this.uid = owner.uid;
    this.gid = owner.gid;
    this.size = size;
    this.blocks = Math.ceil(size / 512);
    this.atimeMs = mtimeMs;
    this.mtimeMs = mtimeMs;
    this.ctimeMs = mtimeMs;
    this.birthtimeMs = birthtimeMs;
  }

  isDirectory(): boolean {
    return (this.mode & S_IFDIR) !== 0;
  }

  isFile(): boolean {
    return (this.mode & S_IFREG) !== 0;
  }

  get mtime(): Date {
    return new Date(this.mtimeMs);
  }

  get birthtime(): Date {
    return new Date(this.birthtimeMs);
  }
}

/**
 * Directories 0o755; files 0o644, or 0o444 when the open policy would refuse to write them
 * (`writable` false), so `ls -l` shows what an open for writing will say. Directory sizes are
 * 0: Graph's folder size is the sum of its contents, which tools would misread.
 */
export function statsOf(
  node: Node,
  owner: Owner,
  writable: (size: number) => boolean,
  bornAt: number,
): VfsStats {
  if (node.kind === 'virtual') return new VfsStats(true, 0o755, 0, bornAt, bornAt, owner);
  if (node.isFolder) return new VfsStats(true, 0o755, 0, node.modifiedAt, node.createdAt, owner);
  const perm = writable(node.size) ? 0o644 : 0o444;
  return new VfsStats(false, perm, node.size, node.modifiedAt, node.createdAt, owner);
}
