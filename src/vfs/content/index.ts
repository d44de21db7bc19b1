/**
 * File content on demand. `ContentReader.open` pins the server's current content version of a
 * file (its cTag) and returns a handle; `handle.read` answers from a block cache keyed by that
 * version, fetching missing blocks with range GETs on a pre-authenticated download URL. A block
 * the server answers for another version is dropped unread and the read fails with
 * VersionChangedError (code ESTALE): bytes of two versions are never mixed in one file. Every
 * other failure is a ContentError whose `code` is a POSIX errno name. `openPolicy` says whether a
 * file may be opened at all (EFBIG) or for reading only.
 */
export { BlockCache, type BlockCacheOptions, type BlockCacheStats } from './block-cache.js';
export type { DiskTierStats } from './disk-tier.js';
export { ContentError, type ContentErrorCode, VersionChangedError } from './errors.js';
export type { ContentHandle } from './handle.js';
export { DEFAULT_OPEN_LIMITS, type OpenLimits, openPolicy } from './policy.js';
export { ContentReader, type ContentReaderOptions, type ContentVersion } from './reader.js';
export type { ContentStats } from './stats.js';
