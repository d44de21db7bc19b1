// A FUSE mount whose process died without unmounting answers every access with "Transport
// endpoint is not connected" until someone runs `fusermount -u`. Mounting again over it must
// clear it first — but never a live mount another process still serves, nor a non-FUSE one.
// Probes run in child processes: a stat of a hung mount blocks its caller, and a stat of a mount
// this very process serves would deadlock its event loop.

import { execFile } from 'node:child_process';
import { readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PROBE_TIMEOUT_MS = 3000;
const DEAD_EXIT = 3;

export interface MountEntry {
  source: string;
  mountpoint: string;
  fstype: string;
}

/** The mountpoint as /proc/mounts spells it: the parent's real path plus the last name. */
export async function canonicalMountpoint(mountpoint: string): Promise<string> {
  const abs = resolve(mountpoint);
  // realpath of the mountpoint itself would stat a possibly dead mount.
  return join(await realpath(dirname(abs)), basename(abs));
}

/** The entry mounted at `mountpoint` (the topmost one, if stacked), from /proc/mounts. */
export async function mountAt(mountpoint: string): Promise<MountEntry | undefined> {
  const text = await readFile('/proc/mounts', 'utf8');
  let found: MountEntry | undefined;
  for (const line of text.split('\n')) {
    const [source, target, fstype] = line.split(' ');
    if (target === undefined || fstype === undefined) continue;
    if (unescapeMountField(target) === mountpoint) {
      found = { source: unescapeMountField(source!), mountpoint, fstype };
    }
  }
  return found;
}

/** /proc/mounts writes space, tab, newline and backslash as octal escapes. */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/**
 * 'none' when nothing is mounted there; 'cleared' after detaching a dead FUSE mount. Throws when
 * a live mount or a non-FUSE file system occupies the mountpoint.
 */
export async function clearStaleMount(mountpoint: string): Promise<'none' | 'cleared'> {
  const entry = await mountAt(mountpoint);
  if (entry === undefined) return 'none';
  if (!entry.fstype.startsWith('fuse')) {
    throw new Error(`${mountpoint} already has a ${entry.fstype} file system mounted on it`);
  }
  if (await answers(mountpoint)) {
    throw new Error(`${mountpoint} is a live mount (${entry.source}, ${entry.fstype}); unmount it first`);
  }
  await fusermountDetach(mountpoint);
  if (await mountAt(mountpoint)) throw new Error(`could not clear the stale mount on ${mountpoint}`);
  return 'cleared';
}

/** Lazy detach (`fusermount -uz`): succeeds even while something still holds the mount busy. */
export async function fusermountDetach(mountpoint: string): Promise<void> {
  await run('fusermount', ['-uz', mountpoint], { timeout: PROBE_TIMEOUT_MS });
}

/**
 * Whether the server behind a mount answers. The probe looks up a name that does not exist:
 * the kernel answers a stat of the mountpoint itself from cached attributes for a while after
 * its server died, but a lookup of an uncached name always goes to the server.
 */
async function answers(mountpoint: string): Promise<boolean> {
  const probe = join(mountpoint, `.deltafs-probe-${process.pid}-${Date.now()}`);
  const script = `require('fs').stat(${JSON.stringify(probe)}, (e) => process.exit(e && ['ENOTCONN', 'ENXIO', 'ECONNABORTED'].includes(e.code) ? ${DEAD_EXIT} : 0))`;
  try {
    await run(process.execPath, ['-e', script], { timeout: PROBE_TIMEOUT_MS });
    return true;
  } catch {
    // ENOTCONN from a dead server, or no answer within the timeout from a hung one.
    return false;
  }
}
