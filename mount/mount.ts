import pLimit from 'p-limit';
import type { Vfs } from '../src/vfs/index.js';
import { DeltaFuse } from './fuse.js';
import { type FaultLog, fuseOps } from './ops.js';
import { fuseArgs, type MountOptions, resolveMountOptions } from './options.js';
import { canonicalMountpoint, clearStaleMount, fusermountDetach, mountAt } from './stale.js';

export interface Mounted {
  /** As /proc/mounts shows it. */
  readonly mountpoint: string;
  /** Detaches the mount (lazily, so a busy mount goes too) and confirms it is gone. Idempotent. */
  unmount(): Promise<void>;
}

export interface MountHooks {
  /** Ops that failed for a reason other than a VfsError (a bug, or EIO); default stderr. */
  onFault?: FaultLog;
}

/** How long the kernel may take to send FUSE_INIT after the mount call. */
const INIT_TIMEOUT_MS = 15_000;

/**
 * Serves `vfs` at `mountpoint` until unmount() or process exit (auto_unmount clears the mount
 * even after SIGKILL). A dead mount left by a crashed run is cleared first; a live one is an error.
 */
export async function mount(
  vfs: Vfs,
  mountpoint: string,
  opts: MountOptions & MountHooks = {},
): Promise<Mounted> {
  const { onFault = stderrFault, ...mountOpts } = opts;
  const o = resolveMountOptions(mountOpts);
  const mnt = await canonicalMountpoint(mountpoint);
  await clearStaleMount(mnt);
  const ops = fuseOps(vfs, { readLimit: pLimit(o.readConcurrency), onFault });
  // `force` repeats fuse-native's own dead-mount check; ours above already ran, this is harmless.
  const fuse = new DeltaFuse(
    mnt,
    ops,
    { force: true, timeout: opTimeouts(Object.keys(ops), o.opTimeoutMs) },
    fuseArgs(o),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      fusermountDetach(mnt).catch(() => {});
      reject(new Error(`mounting ${mnt}: no FUSE_INIT within ${INIT_TIMEOUT_MS} ms`));
    }, INIT_TIMEOUT_MS);
    fuse.mount((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
  });
  let unmounting: Promise<void> | undefined;
  return {
    mountpoint: mnt,
    unmount: () => {
      unmounting ??= unmountFuse(fuse, mnt);
      return unmounting;
    },
  };
}

/** The ops that may wait for the network; every other op answers before it returns. */
const WAITING_OPS = new Set(['open', 'read', 'release', 'getxattr']);

/**
 * fuse-native arms a timer per op unless told not to; only ops that wait for the network need
 * one. For the others it is pure cost: `ls -l` of 10,000 entries set and cleared 10,000 timers.
 */
function opTimeouts(ops: readonly string[], ms: number): Record<string, number | false> {
  const timeouts: Record<string, number | false> = { default: ms, fgetattr: false };
  for (const op of ops) timeouts[op] = WAITING_OPS.has(op) ? ms : false;
  return timeouts;
}

async function unmountFuse(fuse: DeltaFuse, mnt: string): Promise<void> {
  await new Promise<void>((resolve, reject) => fuse.unmount((err) => (err ? reject(err) : resolve())));
  if (await mountAt(mnt)) throw new Error(`${mnt} is still mounted after unmount`);
}

function stderrFault(op: string, path: string, err: unknown): void {
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`deltafs: ${op} ${path} failed: ${detail}\n`);
}
