// Mount options, validated before anything touches the kernel: libfuse fails on an unknown or
// malformed `-o` option only after the kernel mount exists, and that mount then hangs every
// stat. So the option string is built here, from checked values only, never passed through.
//
// Kernel caches, chosen on purpose. `ls -l` of a 10,000-entry folder (test/mount/listing-bench.ts;
// ranges over 4 runs on a loaded 2-vCPU machine; libfuse 2.9 has no readdirplus, so every entry
// costs one lookup round trip, 80-200 us even for a bare in-memory fuse-native file system, as
// bench/mount's baseline measures it):
//   timeout 0.1 s: cold 1.3-2.5 s; warm 0.9-2.0 s (entries expire during the listing itself)
//   timeout 1 s:   cold 1.0-1.8 s; warm 0.09 s if the first listing took under 1 s, else as cold
//   timeout 5 s:   cold 0.8-2.3 s; warm 0.08 s
// - attrTimeout / entryTimeout 1 s: 0.1 s never spares a repeated listing anything and tends to
//   cost more cold; 5 s only speeds up a listing repeated within 5 s, and lets a remote change
//   stay invisible for 5 s (the mount tests require 2 s).
//   At 1 s a remote rename, delete or size change shows at most 1 s after the index has it.
// - negativeTimeout 0: "no such name" is never cached, so a file created remotely shows up at
//   the next lookup after the index has it.
// - autoCache on: on open, libfuse compares mtime and size with what the kernel cached and drops
//   the file's cached pages when they changed, so a reopened file never serves an old version's
//   pages once its attributes (at most attrTimeout old) say it changed.
// - kernelCache off: it would keep pages across opens even when the file changed.
// Freshness bound end to end: feed delay (webhook, or poll interval) + 1 s.

export interface MountOptions {
  /** Seconds the kernel trusts attributes (size, mtime, mode). Default 1. */
  attrTimeout?: number;
  /** Seconds the kernel trusts a name-to-entry lookup. Default 1. */
  entryTimeout?: number;
  /** Seconds the kernel remembers that a name does not exist. Default 0. */
  negativeTimeout?: number;
  /** Drop a file's cached pages on open when its mtime or size changed. Default true. */
  autoCache?: boolean;
  /** Keep cached pages across opens regardless of changes. Default false. */
  kernelCache?: boolean;
  /** Let other users see the mount (needs user_allow_other in /etc/fuse.conf unless root). */
  allowOther?: boolean;
  /** The source column of /proc/mounts and df. Default 'deltafs'. */
  fsname?: string;
  /** The type shows as fuse.<subtype>. Default 'deltafs'. */
  subtype?: string;
  /** Reads in flight at once in JS; each waiting read holds a libfuse thread. Default 32. */
  readConcurrency?: number;
  /** Milliseconds before fuse-native answers an op with ETIMEDOUT. Default 60,000. */
  opTimeoutMs?: number;
  /** libfuse's debug output on stderr. */
  debug?: boolean;
}

export type ResolvedMountOptions = Required<MountOptions>;

export const DEFAULT_MOUNT_OPTIONS: Readonly<ResolvedMountOptions> = Object.freeze({
  attrTimeout: 1,
  entryTimeout: 1,
  negativeTimeout: 0,
  autoCache: true,
  kernelCache: false,
  allowOther: false,
  fsname: 'deltafs',
  subtype: 'deltafs',
  readConcurrency: 32,
  opTimeoutMs: 60_000,
  debug: false,
});

export class MountOptionsError extends Error {
  override readonly name = 'MountOptionsError';
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_TIMEOUT_SEC = 3600;

/** Defaults filled in; throws MountOptionsError for an unknown key or a bad value. */
export function resolveMountOptions(opts: MountOptions = {}): ResolvedMountOptions {
  const out: Record<string, unknown> = { ...DEFAULT_MOUNT_OPTIONS };
  for (const [key, value] of Object.entries(opts)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(DEFAULT_MOUNT_OPTIONS, key))
      throw new MountOptionsError(`unknown mount option '${key}'`);
    const expected = typeof DEFAULT_MOUNT_OPTIONS[key as keyof MountOptions];
    if (typeof value !== expected) {
      throw new MountOptionsError(`mount option '${key}' must be a ${expected}, got ${typeof value}`);
    }
    out[key] = value;
  }
  const o = out as ResolvedMountOptions;
  for (const key of ['attrTimeout', 'entryTimeout', 'negativeTimeout'] as const) {
    const v = o[key];
    if (!(Number.isFinite(v) && v >= 0 && v <= MAX_TIMEOUT_SEC)) {
      throw new MountOptionsError(`mount option '${key}' must be 0..${MAX_TIMEOUT_SEC} seconds, got ${v}`);
    }
  }
  // Commas or '=' here would smuggle extra options into the -o string.
  for (const key of ['fsname', 'subtype'] as const) {
    if (!NAME.test(o[key]))
      throw new MountOptionsError(`mount option '${key}' must match ${NAME}, got '${o[key]}'`);
  }
  if (!(Number.isInteger(o.readConcurrency) && o.readConcurrency >= 1 && o.readConcurrency <= 1024)) {
    throw new MountOptionsError(
      `mount option 'readConcurrency' must be an integer 1..1024, got ${o.readConcurrency}`,
    );
  }
  if (!(Number.isInteger(o.opTimeoutMs) && o.opTimeoutMs >= 1000 && o.opTimeoutMs <= 3_600_000)) {
    throw new MountOptionsError(
      `mount option 'opTimeoutMs' must be an integer 1000..3600000, got ${o.opTimeoutMs}`,
    );
  }
  return o;
}

/**
 * libfuse 2.9 `-o` options, each known to it. auto_unmount makes fusermount remove the mount
 * when this process dies, even by SIGKILL.
 */
export function fuseArgs(o: ResolvedMountOptions): string[] {
  const args = [
    `fsname=${o.fsname}`,
    `subtype=${o.subtype}`,
    'auto_unmount',
    `attr_timeout=${o.attrTimeout}`,
    `entry_timeout=${o.entryTimeout}`,
    `negative_timeout=${o.negativeTimeout}`,
  ];
  if (o.autoCache) args.push('auto_cache');
  if (o.kernelCache) args.push('kernel_cache');
  if (o.allowOther) args.push('allow_other');
  if (o.debug) args.push('debug');
  return args;
}
