// Running programs against a mount this process serves: always in a child process. A sync fs
// call on the mount from this event loop would wait for an answer only this loop can give.

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Ran {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program; resolves with its exit code (never rejects on a non-zero one). */
export function run(file: string, args: string[], timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { encoding: 'buffer', maxBuffer: 1 << 30, timeout: timeoutMs },
      (err, stdout, stderr) => {
        // A string code is a failure to start the program (ENOENT): not an exit status.
        if (err && typeof err.code === 'string') return reject(err);
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr: `${stderr.toString()}${err?.killed ? ' (killed: timeout)' : ''}` });
      },
    );
  });
}

/** stdout of a program that must succeed. */
export async function out(file: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await run(file, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.toString();
}

export async function hasProgram(name: string): Promise<boolean> {
  try {
    return (await run(name, ['--version'], 10_000)).code === 0;
  } catch {
    return false;
  }
}

/** Why the kernel FUSE tests cannot run here, or undefined when they can. */
export function fuseUnavailable(): string | undefined {
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse on this machine: kernel FUSE tests skipped';
  return undefined;
}

/** Polls `check` (which runs programs) until it returns true; resolves with the ms it took. */
export async function within(ms: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    if (performance.now() - t0 > ms) throw new Error(`${what}: not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Spawns a program and hands back its stdout chunks as they come. */
export function stream(
  file: string,
  args: string[],
  onData: (chunk: Buffer) => void,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.on('data', onData);
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}
