// The file system as every front end sees it, in Node's fs vocabulary and POSIX error codes
// (VfsError.code). Semantics, stated once:
// - Paths are absolute, '/'-separated. With layout 'sites' the first two levels are the
//   virtual `/<site>/<library>` directories; below them each library's tree from the index.
// - Names are listed exactly as stored (case and Unicode normalization kept) and looked up
//   case- and normalization-insensitively, as SharePoint compares them.
// - getattr, readdir, access and listxattr are synchronous reads of the index: values, never
//   promises, never the network. The index is the only cache; nothing here needs invalidating
//   when the feed applies changes.
// - open pins the content version current at that moment (the content reader asks the server
//   unless it already holds that version's download URL); reads through the fd serve that
//   version or fail (ESTALE, EIO), never a mix (close-to-open consistency).
// - Nothing can be written yet: every mutation fails with EROFS once the path checks a real
//   file system would make first (ENOENT, ENOTDIR, EEXIST) have passed.

import { constants } from 'node:fs';
import type { Index, IndexedItem } from '../../store/index.js';
import { type ContentReader, type OpenLimits, openPolicy } from './content/index.js';
import { VfsError, type VfsErrorCode } from './errors.js';
import { HandleTable, type OpenFile } from './handles.js';
import {
  type Layout,
  Namespace,
  type Node,
  splitPath,
  type VfsLibrary,
  type VirtualDir,
} from './namespace.js';
import { type Owner, statsOf, type VfsStats } from './stat.js';
import type { WebUrlSource } from './web-url.js';
import { webUrlError } from './web-url.js';
import { indexValue, supportedNamespace, xattrKey, xattrNames } from './xattr.js';

export interface VfsOptions {
  index: Index;
  libraries: readonly VfsLibrary[];
  /** Default 'sites'; 'library' mounts a single library at the root. */
  layout?: Layout;
  /** Opens pin a version through it; one reader serves every handle. */
  content: Pick<ContentReader, 'open'>;
  /** Sizes above which files refuse to open (EFBIG) or to open for writing (mode 0444, EACCES). */
  limits?: Partial<OpenLimits>;
  /** Owner shown on every entry; default the user running the process. */
  owner?: Partial<Owner>;
  /** Fetches webUrl when the index lacks it; without one, user.deltafs.webUrl is ENODATA then. */
  webUrls?: WebUrlSource;
}

/** Quotas in bytes for the libraries at or below a path. */
export interface VfsStatfs {
  totalBytes: number;
  usedBytes: number;
  freeBytes: number;
  /** Files and folders indexed. */
  files: number;
  /** Longest name in bytes (SharePoint allows more, Linux tools expect at most this). */
  nameMax: number;
  readOnly: boolean;
}

const ACCMODE = constants.O_RDONLY | constants.O_WRONLY | constants.O_RDWR;
const CONTENT_CODES = new Set<string>(['EACCES', 'EBADF', 'EINVAL', 'EIO', 'EISDIR', 'ENOENT', 'ESTALE']);

export class Vfs {
  readonly namespace: Namespace;
  readonly #index: Index;
  readonly #content: Pick<ContentReader, 'open'>;
  readonly #limits: Partial<OpenLimits>;
  readonly #owner: Owner;
  readonly #webUrls: WebUrlSource | undefined;
  readonly #handles = new HandleTable();
  readonly #writable: (size: number) => boolean;

  constructor(opts: VfsOptions) {
    this.#index = opts.index;
    this.namespace = new Namespace(opts.index, opts.libraries, opts.layout ?? 'sites');
    this.#content = opts.content;
    this.#limits = { ...opts.limits };
    this.#owner = {
      uid: opts.owner?.uid ?? process.getuid?.() ?? 0,
      gid: opts.owner?.gid ?? process.getgid?.() ?? 0,
    };
    this.#webUrls = opts.webUrls;
    this.#writable = (size) => openPolicy(size, constants.O_RDWR, this.#limits) === 'ok';
  }

  /** Open file descriptors (diagnostics, leak checks). */
  get openFiles(): number {
    return this.#handles.size;
  }

  getattr(path: string): VfsStats {
    return statsOf(
      this.namespace.resolve(path, 'stat'),
      this.#owner,
      this.#writable,
      this.namespace.createdAt,
    );
  }

  readdir(path: string): string[] {
    const node = this.namespace.resolve(path, 'scandir');
    if (node.kind === 'item' && !node.isFolder) throw new VfsError('ENOTDIR', 'scandir', path);
    return this.namespace.names(node);
  }

  /** access(2): existence, and what an open would allow (nothing is executable or writable). */
  access(path: string, mode: number): void {
    const node = this.namespace.resolve(path, 'access');
    if (mode & constants.W_OK) throw new VfsError('EROFS', 'access', path);
    const isFile = node.kind === 'item' && !node.isFolder;
    if (isFile && mode & constants.X_OK) throw new VfsError('EACCES', 'access', path);
  }

  async open(path: string, flags: number = constants.O_RDONLY): Promise<number> {
    const node = this.namespace.resolve(path, 'open');
    if (node.kind === 'virtual' || node.isFolder || node.id === undefined) {
      throw new VfsError('EISDIR', 'open', path);
    }
    const verdict = openPolicy(node.size, flags, this.#limits);
    if (verdict === 'EFBIG') throw new VfsError('EFBIG', 'open', path);
    if ((flags & ACCMODE) !== constants.O_RDONLY || flags & constants.O_TRUNC) {
      // A file too large to rewrite says so (its mode is 0444); otherwise the whole tree is read-only.
      throw new VfsError(verdict === 'readonly' ? 'EACCES' : 'EROFS', 'open', path);
    }
    const item = this.#item(node.lib.driveId, node.id, 'open', path);
    let content: Awaited<ReturnType<ContentReader['open']>>;
    try {
      content = await this.#content.open({
        driveId: node.lib.driveId,
        itemId: item.id,
        size: item.size,
        eTag: item.eTag,
        ...(item.cTag ? { cTag: item.cTag } : {}),
      });
    } catch (err) {
      throw contentError(err, 'open', path);
    }
    return this.#handles.add({ path, driveId: node.lib.driveId, itemId: item.id, content });
  }

  /** Up to `length` bytes at `offset` of the version pinned at open; empty at or past the end. */
  async read(fd: number, offset: number, length: number): Promise<Buffer> {
    const file = this.#readable(fd, offset, length);
    try {
      return await file.content.read(offset, length);
    } catch (err) {
      throw contentError(err, 'read', file.path);
    }
  }

  /**
   * read(2) into the caller's buffer, copied straight out of the cached blocks: the byte count
   * (0 at or past the end). `target` needs room for `length` bytes.
   */
  async readInto(fd: number, offset: number, length: number, target: Buffer): Promise<number> {
    const file = this.#readable(fd, offset, length);
    try {
      return await file.content.readInto(offset, length, target);
    } catch (err) {
      throw contentError(err, 'read', file.path);
    }
  }

  /**
   * readInto without waiting, for the common case of a read the block cache can answer from
   * memory: the byte count, or undefined when a block is missing (then nothing was read: call
   * readInto). Lets a front end answer cached reads without a promise.
   */
  readCached(fd: number, offset: number, length: number, target: Buffer): number | undefined {
    const file = this.#readable(fd, offset, length);
    try {
      return file.content.readCached(offset, length, target);
    } catch (err) {
      throw contentError(err, 'read', file.path);
    }
  }

  async release(fd: number): Promise<void> {
    const file = this.#handles.remove(fd);
    if (file === undefined) throw new VfsError('EBADF', 'close');
    try {
      await file.content.close();
    } catch (err) {
      throw contentError(err, 'close', file.path);
    }
  }

  /** Quota of the library a path lies in; above the library level, the sum of those below. */
  statfs(path: string): VfsStatfs {
    const node = this.namespace.resolve(path, 'statfs');
    const libs = node.kind === 'item' ? [node.lib] : librariesBelow(node.dir);
    let totalBytes = 0;
    let usedBytes = 0;
    let files = 0;
    for (const lib of libs) {
      totalBytes += lib.quotaTotal ?? 0;
      usedBytes += lib.quotaUsed ?? 0;
      files += this.#index.getDriveState(lib.driveId)?.itemCount ?? 0;
    }
    return {
      totalBytes,
      usedBytes,
      freeBytes: Math.max(0, totalBytes - usedBytes),
      files,
      nameMax: 255,
      readOnly: true,
    };
  }

  listxattr(path: string): string[] {
    const node = this.namespace.resolve(path, 'listxattr');
    const item = this.#itemOf(node, 'listxattr', path);
    return item === undefined
      ? []
      : xattrNames(node.kind === 'item' ? node.lib.driveId : '', item, !!this.#webUrls);
  }

  /**
   * ENODATA for a `user.*` name not listed, ENOTSUP outside `user.*`; only a webUrl missing from
   * the index touches the network.
   */
  async getxattr(path: string, name: string): Promise<Buffer> {
    const node = this.namespace.resolve(path, 'getxattr');
    if (!supportedNamespace(name)) throw new VfsError('ENOTSUP', 'getxattr', path);
    const key = xattrKey(name);
    const item = key === undefined ? undefined : this.#itemOf(node, 'getxattr', path);
    if (key === undefined || item === undefined || node.kind !== 'item') {
      throw new VfsError('ENODATA', 'getxattr', path);
    }
    let value = indexValue(key, node.lib.driveId, item);
    if (value === undefined && key === 'webUrl' && this.#webUrls) {
      try {
        value = await this.#webUrls(node.lib.driveId, item.id);
      } catch (err) {
        throw webUrlError(err, path);
      }
    }
    if (value === undefined) throw new VfsError('ENODATA', 'getxattr', path);
    return Buffer.from(value, 'utf8');
  }

  setxattr(path: string, _name: string): void {
    this.namespace.resolve(path, 'setxattr');
    throw new VfsError('ENOTSUP', 'setxattr', path);
  }

  removexattr(path: string, _name: string): void {
    this.namespace.resolve(path, 'removexattr');
    throw new VfsError('ENOTSUP', 'removexattr', path);
  }

  // Mutations. Each makes the checks a read-write file system would make before its own
  // EROFS, so callers see the same error for a missing parent or an existing name.

  mkdir(path: string): void {
    this.#refuseCreate('mkdir', path);
  }

  create(path: string): void {
    this.#refuseCreate('open', path);
  }

  symlink(_target: string, path: string): void {
    this.#refuseCreate('symlink', path);
  }

  link(existing: string, path: string): void {
    this.namespace.resolve(existing, 'link');
    this.#refuseCreate('link', path);
  }

  rmdir(path: string): void {
    const node = this.namespace.resolve(path, 'rmdir');
    if (node.kind === 'item' && !node.isFolder) throw new VfsError('ENOTDIR', 'rmdir', path);
    throw new VfsError('EROFS', 'rmdir', path);
  }

  unlink(path: string): void {
    const node = this.namespace.resolve(path, 'unlink');
    if (node.kind === 'virtual' || node.isFolder) throw new VfsError('EISDIR', 'unlink', path);
    throw new VfsError('EROFS', 'unlink', path);
  }

  rename(from: string, to: string): void {
    this.namespace.resolve(from, 'rename');
    this.#parentOf(to, 'rename');
    throw new VfsError('EROFS', 'rename', from);
  }

  truncate(path: string): void {
    const node = this.namespace.resolve(path, 'truncate');
    if (node.kind === 'virtual' || node.isFolder) throw new VfsError('EISDIR', 'truncate', path);
    throw new VfsError('EROFS', 'truncate', path);
  }

  /** chmod, chown and utimes. */
  setattr(syscall: 'chmod' | 'chown' | 'utime', path: string): void {
    this.namespace.resolve(path, syscall);
    throw new VfsError('EROFS', syscall, path);
  }

  write(fd: number): void {
    const file = this.#handles.get(fd);
    // No fd is ever open for writing, so writing through any is what write(2) calls EBADF.
    throw new VfsError('EBADF', 'write', file?.path);
  }

  #readable(fd: number, offset: number, length: number): OpenFile {
    const file = this.#handles.get(fd);
    if (file === undefined) throw new VfsError('EBADF', 'read');
    if (!(Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length >= 0)) {
      throw new VfsError('EINVAL', 'read', file.path);
    }
    return file;
  }

  #refuseCreate(syscall: string, path: string): never {
    this.#parentOf(path, syscall);
    let exists = true;
    try {
      this.namespace.resolve(path, syscall);
    } catch {
      exists = false;
    }
    throw new VfsError(exists ? 'EEXIST' : 'EROFS', syscall, path);
  }

  #parentOf(path: string, syscall: string): Node {
    const segments = splitPath(path, syscall);
    if (segments.length === 0) throw new VfsError('EEXIST', syscall, path);
    const parent = this.namespace.resolve(`/${segments.slice(0, -1).join('/')}`, syscall);
    if (parent.kind === 'item' && !parent.isFolder) throw new VfsError('ENOTDIR', syscall, path);
    return parent;
  }

  #itemOf(node: Node, syscall: string, path: string): IndexedItem | undefined {
    if (node.kind !== 'item' || node.id === undefined) return undefined;
    return this.#item(node.lib.driveId, node.id, syscall, path);
  }

  #item(driveId: string, id: string, syscall: string, path: string): IndexedItem {
    const item = this.#index.getItem(driveId, id);
    // The children entry and the item record are written in one transaction, so a miss means
    // the item went away between two reads of this call.
    if (item === undefined) throw new VfsError('ENOENT', syscall, path);
    return item;
  }
}

function librariesBelow(dir: VirtualDir): VfsLibrary[] {
  const out: VfsLibrary[] = [];
  for (const child of dir.children.values()) {
    if (child.kind === 'library') out.push(child.lib);
    else out.push(...librariesBelow(child));
  }
  return out;
}

/** Content errors carry POSIX codes; those the kernel can take pass through, the rest are EIO. */
function contentError(err: unknown, syscall: string, path: string): VfsError {
  if (err instanceof VfsError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' && CONTENT_CODES.has(code);
  return new VfsError(known ? (code as VfsErrorCode) : 'EIO', syscall, path, { cause: err });
}
