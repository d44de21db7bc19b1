// The FUSE op table, one line of argument shuffling per op over src/vfs (the passthrough_hp
// shape: the whole surface in view). Every op runs through `run`, which is what keeps a bug
// from killing the mount: fuse-native aborts the process when an op throws, when a promise
// rejection goes unhandled, or when a callback gets anything but a number first. So `run`
// catches both ways, answers exactly once, and always with a number.

import type { Vfs, VfsStatfs, VfsStats } from '../src/vfs/index.js';
import { isVfsError } from '../src/vfs/index.js';
import { toErrno } from './errno.js';

type Cb = (code: number, ...rest: unknown[]) => void;
type Answer = readonly [number, ...unknown[]];
type Limit = <T>(fn: () => Promise<T>) => Promise<T>;

/** Called for errors that are faults (not a VfsError such as ENOENT); must not throw. */
export type FaultLog = (op: string, path: string, err: unknown) => void;

export interface OpsOptions {
  /** Bounds reads in flight (p-limit). */
  readLimit: Limit;
  onFault: FaultLog;
}

const UINT32_MAX = 0xffff_ffff;
const ST_RDONLY = 1;

export function fuseOps(vfs: Vfs, opts: OpsOptions) {
  const { readLimit, onFault } = opts;
  const run = (op: string, path: string, cb: Cb, fn: () => Answer | Promise<Answer>): void => {
    let answered = false;
    const answer = (a: Answer) => {
      if (answered) return;
      answered = true;
      try {
        cb(...a);
      } catch (err) {
        safeLog(onFault, op, path, err);
      }
    };
    const fail = (err: unknown) => {
      if (!isVfsError(err) || err.code === 'EIO') safeLog(onFault, op, path, err);
      answer([toErrno(err)]);
    };
    try {
      const result = fn();
      if (result instanceof Promise) result.then(answer, fail);
      else answer(result);
    } catch (err) {
      fail(err);
    }
  };
  const done: Answer = [0];
  /** An op whose only answer is success (0) or the error it throws. */
  const act = (op: string, path: string, cb: Cb, fn: () => void) =>
    run(op, path, cb, () => {
      fn();
      return done;
    });

  return {
    getattr: (path: string, cb: Cb) => run('getattr', path, cb, () => [0, fuseStat(vfs.getattr(path))]),
    readdir: (path: string, cb: Cb) => run('readdir', path, cb, () => [0, ['.', '..', ...vfs.readdir(path)]]),
    access: (path: string, mode: number, cb: Cb) => act('access', path, cb, () => vfs.access(path, mode)),
    statfs: (path: string, cb: Cb) => run('statfs', path, cb, () => [0, fuseStatfs(vfs.statfs(path))]),
    open: (path: string, flags: number, cb: Cb) =>
      run('open', path, cb, async () => [0, await vfs.open(path, flags)]),
    // Straight into libfuse's buffer; a read the block cache holds is answered without a promise.
    read: (path: string, fd: number, buf: Buffer, len: number, pos: number, cb: Cb) =>
      run('read', path, cb, () => {
        const length = Math.min(len, buf.length);
        const n = vfs.readCached(fd, pos, length, buf);
        if (n !== undefined) return [n];
        return readLimit(() => vfs.readInto(fd, pos, length, buf)).then((m): Answer => [m]);
      }),
    release: (path: string, fd: number, cb: Cb) =>
      run('release', path, cb, async () => {
        await vfs.release(fd);
        return done;
      }),
    // Answered through DeltaFuse's overrides, which need the value or list itself.
    getxattr: (path: string, name: string, _position: number, cb: Cb) =>
      run('getxattr', path, cb, async () => [0, await vfs.getxattr(path, name)]),
    listxattr: (path: string, cb: Cb) => run('listxattr', path, cb, () => [0, vfs.listxattr(path)]),
    setxattr: (path: string, name: string, _v: Buffer, _p: number, _f: number, cb: Cb) =>
      act('setxattr', path, cb, () => vfs.setxattr(path, name)),
    removexattr: (path: string, name: string, cb: Cb) =>
      act('removexattr', path, cb, () => vfs.removexattr(path, name)),
    // Mutations: the vfs answers them (EROFS for now) so the rules live in one place.
    create: (path: string, _mode: number, cb: Cb) => act('create', path, cb, () => vfs.create(path)),
    mknod: (path: string, _mode: number, _dev: number, cb: Cb) =>
      act('mknod', path, cb, () => vfs.create(path)),
    mkdir: (path: string, _mode: number, cb: Cb) => act('mkdir', path, cb, () => vfs.mkdir(path)),
    rmdir: (path: string, cb: Cb) => act('rmdir', path, cb, () => vfs.rmdir(path)),
    unlink: (path: string, cb: Cb) => act('unlink', path, cb, () => vfs.unlink(path)),
    rename: (from: string, to: string, cb: Cb) => act('rename', from, cb, () => vfs.rename(from, to)),
    symlink: (target: string, path: string, cb: Cb) =>
      act('symlink', path, cb, () => vfs.symlink(target, path)),
    link: (existing: string, path: string, cb: Cb) => act('link', path, cb, () => vfs.link(existing, path)),
    truncate: (path: string, _size: number, cb: Cb) => act('truncate', path, cb, () => vfs.truncate(path)),
    ftruncate: (path: string, _fd: number, _size: number, cb: Cb) =>
      act('ftruncate', path, cb, () => vfs.truncate(path)),
    chmod: (path: string, _mode: number, cb: Cb) => act('chmod', path, cb, () => vfs.setattr('chmod', path)),
    chown: (path: string, _uid: number, _gid: number, cb: Cb) =>
      act('chown', path, cb, () => vfs.setattr('chown', path)),
    utimens: (path: string, _atime: number, _mtime: number, cb: Cb) =>
      act('utimens', path, cb, () => vfs.setattr('utime', path)),
    write: (path: string, fd: number, _buf: Buffer, _len: number, _pos: number, cb: Cb) =>
      act('write', path, cb, () => vfs.write(fd)),
  };
}

/** fuse-native's stat: times in ms (uint64 halves, so never negative), no birthtime. */
function fuseStat(s: VfsStats) {
  return {
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    nlink: s.nlink,
    blksize: s.blksize,
    blocks: s.blocks,
    atime: Math.max(0, s.atimeMs),
    mtime: Math.max(0, s.mtimeMs),
    ctime: Math.max(0, s.ctimeMs),
  };
}

/** statvfs fields are uint32 in fuse-native: the block size doubles until the counts fit. */
function fuseStatfs(s: VfsStatfs) {
  let bsize = 4096;
  while (s.totalBytes / bsize > UINT32_MAX) bsize *= 2;
  const free = Math.floor(s.freeBytes / bsize);
  return {
    bsize,
    frsize: bsize,
    blocks: Math.floor(s.totalBytes / bsize),
    bfree: free,
    bavail: free,
    files: Math.min(s.files, UINT32_MAX),
    // Nothing can be created while the tree is read-only.
    ffree: s.readOnly ? 0 : UINT32_MAX - Math.min(s.files, UINT32_MAX),
    favail: s.readOnly ? 0 : UINT32_MAX - Math.min(s.files, UINT32_MAX),
    fsid: 0,
    flag: s.readOnly ? ST_RDONLY : 0,
    namemax: s.nameMax,
  };
}

function safeLog(log: FaultLog, op: string, path: string, err: unknown): void {
  try {
    log(op, path, err);
  } catch {
    // A failing logger must not turn into a failed op, let alone a crash.
  }
}
