import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { canonicalMountpoint, clearStaleMount, mount, mountAt } from '../../mount/index.js';
import { Vfs } from '../../src/vfs/index.js';
import { type Index, openIndex } from '../../store/index.js';
import { fuseUnavailable, out, run, within } from './helpers.js';

const skip = fuseUnavailable();
const fusePath = createRequire(import.meta.url).resolve('fuse-native');
const mountModule = fileURLToPath(new URL('../../mount/index.js', import.meta.url));
const vfsModule = fileURLToPath(new URL('../../src/vfs/index.js', import.meta.url));
const storeModule = fileURLToPath(new URL('../../store/index.js', import.meta.url));

/** A child process serving a mount until it is killed; resolves once the mount answers. */
function serve(script: string, mnt: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, mnt], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`mount child exited ${code}`)));
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve(child);
    });
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('mounts left behind by crashed runs', { skip }, () => {
  let dir: string;
  let index: Index;
  let vfs: Vfs;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'deltafs-stale-'));
    index = openIndex(join(dir, 'index'), { noSync: true });
    // No libraries: an empty root is all these tests need to see through the mount.
    vfs = new Vfs({ index, libraries: [], content: { open: () => Promise.reject(new Error('no content')) } });
  });
  after(async () => {
    // A failed test may leave its dead mount behind; rmSync would fail on it.
    for (const name of ['dead', 'killed']) {
      const mnt = await canonicalMountpoint(join(dir, name));
      if (await mountAt(mnt)) await run('fusermount', ['-uz', mnt]);
    }
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a dead mount (server killed, no auto_unmount) is cleared and mounted over', async () => {
    const mnt = await canonicalMountpoint(join(dir, 'dead'));
    mkdirSync(mnt);
    // A bare fuse-native server without auto_unmount: SIGKILL leaves its mount dead.
    const script = join(dir, 'bare-server.cjs');
    writeFileSync(
      script,
      `const Fuse = require(${JSON.stringify(fusePath)});
const ops = {
  getattr: (p, cb) => p === '/' ? cb(0, { mode: 0o40755, size: 0, mtime: 0, atime: 0, ctime: 0 }) : cb(Fuse.ENOENT),
  readdir: (p, cb) => cb(0, ['left-behind']),
};
new Fuse(process.argv[2], ops, {}).mount((err) => { if (err) throw err; console.log('ready'); });`,
    );
    const child = await serve(script, mnt);
    assert.equal((await out('ls', [mnt])).trim(), 'left-behind');
    await killed(child);
    assert.ok(await mountAt(mnt), 'the mount outlived its server');
    assert.match((await run('stat', [mnt])).stderr, /Transport endpoint is not connected/);

    const m = await mount(vfs, mnt);
    try {
      assert.equal((await out('ls', ['-A', mnt])).trim(), '');
      assert.equal((await mountAt(mnt))?.fstype, 'fuse.deltafs');
    } finally {
      await m.unmount();
    }
    assert.equal(await mountAt(mnt), undefined);
  });

  it('auto_unmount removes the mount of a deltafs process killed with SIGKILL', async () => {
    const mnt = await canonicalMountpoint(join(dir, 'killed'));
    mkdirSync(mnt);
    const script = join(dir, 'deltafs-server.mjs');
    writeFileSync(
      script,
      `import { mount } from ${JSON.stringify(mountModule)};
import { Vfs } from ${JSON.stringify(vfsModule)};
import { openIndex } from ${JSON.stringify(storeModule)};
const index = openIndex(${JSON.stringify(join(dir, 'child-index'))}, { noSync: true });
const vfs = new Vfs({ index, libraries: [], content: { open: () => Promise.reject(new Error('none')) } });
await mount(vfs, process.argv[2]);
console.log('ready');`,
    );
    const child = await serve(script, mnt);
    assert.equal((await mountAt(mnt))?.fstype, 'fuse.deltafs');
    await killed(child);
    await within(5000, 'auto_unmount', async () => (await mountAt(mnt)) === undefined);
    assert.equal(await clearStaleMount(mnt), 'none');
  });
});
