import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface SpawnedMount {
  child: ChildProcess;
  /** From spawn to the "Mounted" line: catch-up sync plus the kernel mount. */
  startMs: number;
  /** SIGINT (a clean unmount), then fusermount -uz if a mount is still there; throws if one stays. */
  stop(): Promise<void>;
}

const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/** /proc/mounts escapes blanks in paths as octal. */
const mountsField = (p: string) =>
  p.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);

export function isMounted(mountpoint: string): boolean {
  const want = mountsField(mountpoint);
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === want);
}

/**
 * Runs `deltafs mount <mountpoint> --config <file>` as its own process, so the FUSE server never
 * shares an event loop with the bench that reads through it. Resolves once it says "Mounted".
 */
export function spawnMount(
  configFile: string,
  mountpoint: string,
  timeoutMs = 120_000,
): Promise<SpawnedMount> {
  return spawnFuseServer([cli, 'mount', mountpoint, '--config', configFile], mountpoint, timeoutMs);
}

/** Runs `node <args>`, a FUSE server that says "Mounted" on stderr once it serves `mountpoint`. */
export async function spawnFuseServer(
  args: readonly string[],
  mountpoint: string,
  timeoutMs = 120_000,
): Promise<SpawnedMount> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DELTAFS_LOG: 'warn' },
  });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mount not ready after ${timeoutMs} ms`)), timeoutMs);
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (/^Mounted /m.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${args.join(' ')} exited with ${code} before it was ready:\n${stderr}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    await detach(mountpoint);
    throw err;
  }
  const startMs = performance.now() - t0;
  // Keep draining stderr so a chatty child never blocks on a full pipe; show what it says.
  child.stderr!.removeAllListeners('data');
  child.stderr!.on('data', (b: Buffer) => process.stderr.write(`[mount] ${b.toString()}`));

  return {
    child,
    startMs,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const stuck = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(stuck);
      }
      await detach(mountpoint);
    },
  };
}

/** A mount left behind (a killed or stuck server) is detached lazily; an open file cannot pin it. */
async function detach(mountpoint: string): Promise<void> {
  if (!isMounted(mountpoint)) return;
  process.stderr.write(`bench: ${mountpoint} still mounted, fusermount -uz\n`);
  await promisify(execFile)('fusermount', ['-uz', mountpoint]).catch(() => undefined);
  if (isMounted(mountpoint)) throw new Error(`${mountpoint} is still mounted`);
}
