import { constants } from 'node:fs';

export interface OpenLimits {
  /** Larger files refuse to open at all (default 1 GiB). */
  maxOpenBytes: number;
  /** Larger files open for reading only (default 500 MiB): rewriting them means re-uploading it all. */
  readOnlyAboveBytes: number;
}

export const DEFAULT_OPEN_LIMITS: Readonly<OpenLimits> = Object.freeze({
  maxOpenBytes: 2 ** 30,
  readOnlyAboveBytes: 500 * 2 ** 20,
});

/**
 * What the vfs may do with an open of a file of `size` bytes with these open flags (a number as
 * FUSE passes them, or a Node flag string such as 'r', 'r+', 'w'):
 * - 'EFBIG': refuse the open;
 * - 'readonly': the open asks for writing but the file is too large to write: open it for reading
 *   only, so writes through the handle fail (or refuse with EROFS, the vfs's choice);
 * - 'ok': go ahead.
 */
export function openPolicy(
  size: number,
  flags: number | string,
  limits: Partial<OpenLimits> = {},
): 'ok' | 'readonly' | 'EFBIG' {
  const max = limits.maxOpenBytes ?? DEFAULT_OPEN_LIMITS.maxOpenBytes;
  const readOnlyAbove = limits.readOnlyAboveBytes ?? DEFAULT_OPEN_LIMITS.readOnlyAboveBytes;
  if (size > max) return 'EFBIG';
  if (size > readOnlyAbove && wantsWrite(flags)) return 'readonly';
  return 'ok';
}

const WRITE_FLAGS = constants.O_WRONLY | constants.O_RDWR | constants.O_TRUNC | constants.O_APPEND;

function wantsWrite(flags: number | string): boolean {
  if (typeof flags === 'string') return flags !== 'r' && flags !== 'rs' && flags !== 'sr';
  return (flags & WRITE_FLAGS) !== 0;
}
