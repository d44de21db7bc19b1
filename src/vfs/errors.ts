// POSIX errors in Node's own shape (`code`, `syscall`, `path`), so every front end (FUSE,
// WebDAV) maps one stable `code` and never parses a message.

export type VfsErrorCode =
  | 'EACCES'
  | 'EBADF'
  | 'EEXIST'
  | 'EFBIG'
  | 'EINVAL'
  | 'EIO'
  | 'EISDIR'
  | 'ENODATA'
  | 'ENOENT'
  | 'ENOTDIR'
  | 'ENOTEMPTY'
  | 'ENOTSUP'
  | 'ERANGE'
  | 'EROFS'
  | 'ESTALE';

const DESCRIPTIONS: Record<VfsErrorCode, string> = {
  EACCES: 'permission denied',
  EBADF: 'bad file descriptor',
  EEXIST: 'file already exists',
  EFBIG: 'file too large',
  EINVAL: 'invalid argument',
  EIO: 'i/o error',
  EISDIR: 'illegal operation on a directory',
  ENODATA: 'no data available',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  ENOTSUP: 'operation not supported',
  ERANGE: 'result too large',
  EROFS: 'read-only file system',
  ESTALE: 'stale file handle',
};

export class VfsError extends Error {
  override readonly name = 'VfsError';
  readonly code: VfsErrorCode;
  readonly syscall: string;
  readonly path: string | undefined;

  constructor(code: VfsErrorCode, syscall: string, path?: string, options?: { cause?: unknown }) {
    super(`${code}: ${DESCRIPTIONS[code]}, ${syscall}${path === undefined ? '' : ` '${path}'`}`, options);
    this.code = code;
    this.syscall = syscall;
    this.path = path;
  }
}

export function isVfsError(err: unknown): err is VfsError {
  return err instanceof VfsError;
}
