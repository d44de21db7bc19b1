// The part of fuse-native 2.2.6 (no published types) that deltafs uses. Callbacks take a
// number first: 0 or a negative errno for most ops, a byte count for read and the xattr ops.

declare module 'fuse-native' {
  type Cb = (code: number, ...rest: unknown[]) => void;

  interface FuseStat {
    mode: number;
    uid: number;
    gid: number;
    size: number;
    nlink: number;
    blksize: number;
    blocks: number;
    /** Milliseconds since the epoch. */
    atime: number;
    mtime: number;
    ctime: number;
  }

  interface FuseStatfs {
    bsize: number;
    frsize: number;
    blocks: number;
    bfree: number;
    bavail: number;
    files: number;
    ffree: number;
    favail: number;
    fsid: number;
    flag: number;
    namemax: number;
  }

  /** Handlers by op name; each receives the op's arguments and then its callback. */
  type FuseOps = Record<string, (...args: never[]) => void>;

  interface FuseOptions {
    timeout?: number | false | Record<string, number | false>;
    force?: boolean;
    mkdir?: boolean;
    [option: string]: unknown;
  }

  class Fuse {
    constructor(mountpoint: string, ops: FuseOps, opts?: FuseOptions);
    readonly mnt: string;
    readonly opts: FuseOptions;
    mount(cb: (err: Error | null) => void): void;
    unmount(cb: (err: Error | null) => void): void;
    static unmount(mountpoint: string, cb: (err: Error | null) => void): void;
    static readonly ENOENT: number;
    static readonly EIO: number;
  }

  export = Fuse;
}
