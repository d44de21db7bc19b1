export { isVfsError, VfsError, type VfsErrorCode } from './errors.js';
export type { Layout, VfsLibrary } from './namespace.js';
export { BLOCK_SIZE, type Owner, VfsStats } from './stat.js';
export { Vfs, type VfsOptions, type VfsStatfs } from './vfs.js';
export { type WebUrlSource, webUrlsFromGraph } from './web-url.js';
export { XATTR_PREFIX } from './xattr.js';
