// The floor for listing through fuse-native: a file system that answers getattr and readdir from
// a Map, mounted through deltafs's fuse-native subclass with deltafs's mount options, but with no
// index and no network. bench/mount lists it as it lists deltafs, so the difference is what
// deltafs's own code costs.
//   node dist/bench/bare-fuse.js <mountpoint> <entries.json>   (JSON: [{ "name", "size" }, ...])
// Serves the entries in one folder, /Wide; says "Mounted" on stderr; SIGINT or SIGTERM unmounts.

import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { DeltaFuse } from '../mount/fuse.js';
import { fuseArgs, resolveMountOptions } from '../mount/options.js';

type Cb = (code: number, ...rest: unknown[]) => void;

const [mountpoint, entriesFile] = process.argv.slice(2);
if (!mountpoint || !entriesFile) {
  process.stderr.write('usage: bare-fuse <mountpoint> <entries.json>\n');
  process.exit(2);
}
const entries = JSON.parse(readFileSync(entriesFile, 'utf8')) as Array<{ name: string; size: number }>;
const sizes = new Map(entries.map((e) => [`/Wide/${e.name}`, e.size]));
const names = entries.map((e) => e.name);
const ENOENT = -constants.errno.ENOENT;
const t = Date.now();
// A fresh object per answer, as deltafs makes one.
const stat = (mode: number, size: number) => ({
  mode,
  uid: process.getuid?.() ?? 0,
  gid: process.getgid?.() ?? 0,
  size,
  nlink: 1,
  blksize: 4096,
  blocks: Math.ceil(size / 512),
  atime: t,
  mtime: t,
  ctime: t,
});

const ops = {
  getattr: (path: string, cb: Cb) => {
    if (path === '/' || path === '/Wide') return cb(0, stat(0o40755, 4096));
    const size = sizes.get(path);
    if (size === undefined) return cb(ENOENT);
    cb(0, stat(0o100644, size));
  },
  readdir: (path: string, cb: Cb) => {
    if (path === '/') return cb(0, ['.', '..', 'Wide']);
    if (path === '/Wide') return cb(0, ['.', '..', ...names]);
    cb(ENOENT);
  },
};

const fuse = new DeltaFuse(
  mountpoint,
  ops,
  { force: true, timeout: false },
  fuseArgs(resolveMountOptions({})),
);
fuse.mount((err) => {
  if (err) {
    process.stderr.write(`bare-fuse: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`Mounted ${entries.length} entries at ${mountpoint}\n`);
});
const stop = () => fuse.unmount(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
