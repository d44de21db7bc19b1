// Errors to the negative errno fuse-native hands back to libfuse. Numbers come from the host's
// own table (os.constants.errno): fuse-native's Fuse.E* constants are Linux values everywhere.

import { constants } from 'node:os';

const ERRNO = constants.errno as Record<string, number | undefined>;
export const EIO = -(ERRNO.EIO ?? 5);

/**
 * A VfsError (or any error carrying a POSIX `code`, as Node's own do) as a negative errno;
 * anything else is EIO. Never throws, never returns 0.
 */
export function toErrno(err: unknown): number {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string') {
    const n = ERRNO[code];
    if (typeof n === 'number' && n > 0) return -n;
  }
  return EIO;
}
