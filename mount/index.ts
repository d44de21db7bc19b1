export { EIO, toErrno } from './errno.js';
export { type Mounted, type MountHooks, mount } from './mount.js';
export type { FaultLog } from './ops.js';
export {
  DEFAULT_MOUNT_OPTIONS,
  fuseArgs,
  type MountOptions,
  MountOptionsError,
  type ResolvedMountOptions,
  resolveMountOptions,
} from './options.js';
export { canonicalMountpoint, clearStaleMount, mountAt } from './stale.js';
