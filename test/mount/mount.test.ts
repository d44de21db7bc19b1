import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Mounted, mount, mountAt } from '../../mount/index.js';
import { mulberry32 } from '../../src/emulator/http/random.js';
import type { Vfs } from '../../src/vfs/index.js';
import { type RemoteItem, type World, world } from '../vfs/namespace-fixture.js';
import { fuseUnavailable, hasProgram, out, run, stream, within } from './helpers.js';

const skip = fuseUnavailable();
const LONG_NAME = `${'Quarterly planning notes '.repeat(6).trim()}.txt`;

describe('FUSE mount of the vfs (kernel end to end)', { skip }, () => {
  let w: World;
  let vfs: Vfs;
  let m: Mounted;
  let mnt: string;
  let docs: { driveId: string };
  let faults: Array<{ op: string; path: string; err: unknown }>;
  let notes: RemoteItem;

  before(async () => {
    w = await world({ items: 300, seed: 5, pollIntervalMs: 300 });
    docs = w.library('Company', 'Documents');
    await w.op(docs.driveId, { op: 'createFolder', parent: '/', name: 'Live' });
    notes = await w.op(docs.driveId, {
      op: 'createFile',
      parent: '/Live',
      name: 'notes.txt',
      text: 'version one\n',
    });
    await w.op(docs.driveId, { op: 'createFile', parent: '/Live', name: LONG_NAME, text: 'long' });
    await w.sync();
    vfs = w.vfs();
    mnt = join(w.dir, 'mnt');
    mkdirSync(mnt);
    faults = [];
    m = await mount(vfs, mnt, { onFault: (op, path, err) => faults.push({ op, path, err }) });
  });
  after(async () => {
    await m?.unmount().catch(() => {});
    await w?.close();
  });

  const at = (p: string) => join(mnt, p);

  it('lists the sites, the libraries and a library root as the index has them', async () => {
    const root = (await out('ls', ['-1', mnt])).trim().split('\n');
    assert.deepEqual(root.sort(), ['Company', 'Finance', 'Projects']);
    assert.deepEqual((await out('ls', ['-1', at('Finance')])).trim().split('\n').sort(), [
      'Documents',
      'Invoices',
    ]);
    const listed = (await out('ls', ['-1', '-f', at('Company/Documents')])).trim().split('\n');
    assert.deepEqual(listed.sort(), ['.', '..', ...vfs.readdir('/Company/Documents')].sort());
    // Case-insensitive lookups through the kernel too.
    assert.equal((await out('ls', ['-1', at('company/DOCUMENTS/live')])).trim().split('\n').length, 2);
  });

  it('stats files and folders with the index values', async () => {
    const item = w.index.getItem(docs.driveId, notes.id)!;
    const [size, mode, type, uid, gid, mtime, links] = (
      await out('stat', ['-c', '%s|%a|%F|%u|%g|%Y|%h', at('Company/Documents/Live/notes.txt')])
    )
      .trim()
      .split('|');
    assert.equal(Number(size), item.size);
    assert.equal(mode, '644');
    assert.equal(type, 'regular file');
    assert.equal(Number(uid), process.getuid!());
    assert.equal(Number(gid), process.getgid!());
    assert.equal(Number(mtime), Math.floor(item.modifiedAt / 1000));
    assert.equal(links, '1');
    assert.equal((await out('stat', ['-c', '%a %F', at('Finance')])).trim(), '755 directory');
    const missing = await run('stat', [at('Company/Documents/Live/nope.txt')]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such file or directory/);
    const notDir = await run('stat', [at('Company/Documents/Live/notes.txt/x')]);
    assert.match(notDir.stderr, /Not a directory/);
  });

  it('find walks a whole library: every path, size and type the index has', async () => {
    const lib = w.library('Finance', 'Invoices');
    const found = (await out('find', [at('Finance/Invoices'), '-mindepth', '1', '-printf', '%P\t%s\t%y\n']))
      .trim()
      .split('\n')
      .sort();
    const expected: string[] = [];
    const walk = (dir: string, id: string) => {
      for (const e of w.index.list(lib.driveId, id).entries) {
        const p = dir ? `${dir}/${e.name}` : e.name;
        expected.push(`${p}\t${e.isFolder ? 0 : e.size}\t${e.isFolder ? 'd' : 'f'}`);
        if (e.isFolder) walk(p, e.id);
      }
    };
    walk('', w.index.getRoot(lib.driveId)!.id);
    assert.equal(found.length, w.index.getDriveState(lib.driveId)!.itemCount - 1);
    assert.deepEqual(found, expected.sort());
  });

  it('cat and cmp: files read through the mount are the emulator bytes', async () => {
    const lib = w.library('Projects', 'Shared Documents');
    const files = (await out('find', [at('Projects/Shared Documents'), '-type', 'f']))
      .trim()
      .split('\n')
      .slice(0, 12);
    assert.ok(files.length >= 10);
    for (const file of files) {
      const rel = file.slice(at('Projects/Shared Documents').length);
      const item = w.index.resolvePath(lib.driveId, rel)!;
      const expected = await w.bytes(lib.driveId, item.id);
      const copy = join(w.dir, 'expected.bin');
      writeFileSync(copy, expected);
      const cmp = await run('cmp', [copy, file]);
      assert.equal(cmp.code, 0, `${rel}: ${cmp.stdout}${cmp.stderr}`);
      const cat = await run('cat', [file]);
      assert.equal(cat.code, 0, cat.stderr);
      assert.ok(cat.stdout.equals(expected), rel);
    }
  });

  it('dd at random offsets of a 1 GiB file returns the bytes at those offsets', async () => {
    const big = w.index.resolvePath(docs.driveId, '/Media/Town hall recording.mp4')!;
    assert.equal(big.size, 2 ** 30);
    const path = at('Company/Documents/Media/Town hall recording.mp4');
    const rand = mulberry32(12345);
    const offsets = [
      0,
      2 ** 30 - 4096,
      2 ** 30 - 100,
      ...Array.from({ length: 8 }, () => Math.floor(rand() * 2 ** 30)),
    ];
    for (const off of offsets) {
      const dd = await run('dd', [
        `if=${path}`,
        'bs=4096',
        'count=1',
        `skip=${off}`,
        'iflag=skip_bytes',
        'status=none',
      ]);
      assert.equal(dd.code, 0, dd.stderr);
      const end = Math.min(off + 4096, big.size) - 1;
      assert.ok(dd.stdout.equals(await w.bytes(docs.driveId, big.id, [off, end])), `offset ${off}`);
    }
  });

  it('exposes user.deltafs.* xattrs (read with Python, a value longer than its first buffer included)', async (t) => {
    if (!(await hasProgram('python3')))
      return t.skip('python3 not installed: xattr reads through the kernel untested');
    const script = [
      'import json, os, sys',
      'p = sys.argv[1]',
      'names = os.listxattr(p)',
      'print(json.dumps({n: os.getxattr(p, n).decode() for n in names}))',
    ].join('\n');
    const read = async (p: string) =>
      JSON.parse(await out('python3', ['-c', script, p])) as Record<string, string>;
    const longPath = at(`Company/Documents/Live/${LONG_NAME}`);
    const attrs = await read(longPath);
    const item = w.index.resolvePath(docs.driveId, `/Live/${LONG_NAME}`)!;
    const graphItem = await w.graph.getItem(docs.driveId, item.id, { select: ['webUrl'] });
    assert.equal(attrs['user.deltafs.id'], item.id);
    assert.equal(attrs['user.deltafs.driveId'], docs.driveId);
    assert.equal(attrs['user.deltafs.eTag'], item.eTag);
    assert.equal(attrs['user.deltafs.quickXorHash'], item.quickXorHash);
    assert.ok(Buffer.byteLength(graphItem.webUrl!) > 128, 'longer than os.getxattr first try');
    assert.equal(attrs['user.deltafs.webUrl'], graphItem.webUrl);
    const missing = await run('python3', [
      '-c',
      'import os,sys; os.getxattr(sys.argv[1], "user.deltafs.nope")',
      longPath,
    ]);
    assert.match(missing.stderr, /No data available/);
    assert.deepEqual(await read(at('Finance')), {});
  });

  it('ls -l stops probing ACL and SELinux xattrs after the first entry (ENOTSUP)', async () => {
    const getxattr = vfs.getxattr.bind(vfs);
    let calls = 0;
    vfs.getxattr = (p: string, name: string) => {
      calls++;
      return getxattr(p, name);
    };
    try {
      const listing = (await out('ls', ['-l', at('Company/Documents')])).trim().split('\n');
      assert.ok(listing.length > 10);
      assert.ok(calls <= 2, `${calls} getxattr calls for ${listing.length - 1} entries`);
    } finally {
      vfs.getxattr = getxattr;
    }
  });

  it('refuses writes with EROFS', async () => {
    const file = at('Company/Documents/Live/notes.txt');
    for (const [cmd, args] of [
      ['touch', [at('Company/Documents/Live/new.txt')]],
      ['mkdir', [at('Company/Documents/Live/New folder')]],
      ['sh', ['-c', `echo x >> '${file}'`]],
      ['rm', [file]],
      ['mv', [file, at('Company/Documents/Live/moved.txt')]],
    ] as const) {
      const r = await run(cmd, [...args]);
      assert.notEqual(r.code, 0, `${cmd} succeeded`);
      assert.match(r.stderr, /Read-only file system/, `${cmd}: ${r.stderr}`);
    }
    assert.equal((await out('cat', [file])).toString(), 'version one\n');
  });

  it('statfs reports the summed library quotas', async () => {
    const [bsize, blocks] = (await out('stat', ['-f', '-c', '%S %b', mnt])).trim().split(' ').map(Number);
    const total = w.libraries.reduce((n, l) => n + (l.quotaTotal ?? 0), 0);
    assert.equal(blocks! * bsize!, Math.floor(total / bsize!) * bsize!);
    assert.ok(blocks! > 0 && blocks! < 2 ** 32);
  });

  it('shows a remote edit, rename and delete within 2 s', async (t) => {
    const path = at('Company/Documents/Live/notes.txt');
    assert.equal(await out('cat', [path]), 'version one\n');
    await w.op(docs.driveId, { op: 'write', item: notes.id, text: 'version two, longer\n' });
    const edit = await within(
      2000,
      'remote edit',
      async () => (await run('cat', [path])).stdout.toString() === 'version two, longer\n',
    );
    await w.op(docs.driveId, { op: 'rename', item: notes.id, name: 'Renamed notes.txt' });
    const renamed = at('Company/Documents/Live/Renamed notes.txt');
    const rename = await within(2000, 'remote rename', async () => {
      const ls = (await run('ls', ['-1', at('Company/Documents/Live')])).stdout.toString().split('\n');
      const old = await run('stat', [path]);
      return ls.includes('Renamed notes.txt') && !ls.includes('notes.txt') && old.code !== 0;
    });
    assert.equal(await out('cat', [renamed]), 'version two, longer\n');
    await w.op(docs.driveId, { op: 'delete', item: notes.id });
    const del = await within(2000, 'remote delete', async () => (await run('stat', [renamed])).code !== 0);
    t.diagnostic(
      `visible after: edit ${edit.toFixed(0)} ms, rename ${rename.toFixed(0)} ms, delete ${del.toFixed(0)} ms`,
    );
  });

  it('a file changed remotely while being read yields its old bytes or an error, never a mix', async (t) => {
    const size = 16 * 2 ** 20;
    const oldBytes = Buffer.alloc(size, 'a');
    const newBytes = Buffer.alloc(size, 'b');
    const drive = w.h.emu.tenant.drive(docs.driveId)!;
    const live = w.index.resolvePath(docs.driveId, '/Live')!;
    const { item } = drive.putFile(live.id, 'video.bin', { kind: 'stored', data: oldBytes }, size, {
      by: 'Remote',
    });
    await w.sync();
    // Slow downloads (per reply) so the change lands while `cat` is in the middle of the file.
    await w.control('PATCH', '/faults', { scope: 'content', bandwidthBytesPerSec: 2 * 2 ** 20 });
    let changedMidRead = false;
    let received = 0;
    const chunks: Buffer[] = [];
    try {
      const result = await stream('cat', [at('Company/Documents/Live/video.bin')], (chunk) => {
        chunks.push(chunk);
        received += chunk.length;
        if (!changedMidRead) {
          changedMidRead = received < size;
          drive.setContent(item.id, { kind: 'stored', data: newBytes }, size, { by: 'Remote' });
        }
      });
      const got = Buffer.concat(chunks);
      assert.ok(changedMidRead, 'the change happened before the whole file was read');
      assert.equal(got.indexOf('b'), -1, 'no byte of the new version');
      if (result.code === 0) {
        assert.equal(got.length, size, 'a successful read is the whole old version');
      } else {
        assert.match(result.stderr, /Input\/output error|Stale file handle/);
        assert.ok(got.length < size);
      }
      t.diagnostic(
        `mid-read change: cat exit ${result.code}, ${got.length} old bytes, ${result.stderr.trim()}`,
      );
    } finally {
      await w.control('PATCH', '/faults', { bandwidthBytesPerSec: 0 });
    }
    // A new open reads the new version once the index has it.
    await w.sync();
    await within(2000, 'new version', async () => {
      const r = await run('head', ['-c', '16', at('Company/Documents/Live/video.bin')]);
      return r.stdout.toString() === 'b'.repeat(16);
    });
  });

  it('an op that throws inside the vfs fails with EIO and the mount lives on', async () => {
    const getattr = vfs.getattr.bind(vfs);
    const readInto = vfs.readInto.bind(vfs);
    const readCached = vfs.readCached.bind(vfs);
    vfs.getattr = (p: string) => {
      if (p.endsWith('/boom')) throw new TypeError('a bug in getattr');
      return getattr(p);
    };
    vfs.readCached = (fd, offset, length, target) =>
      offset === 0 ? undefined : readCached(fd, offset, length, target);
    vfs.readInto = (fd, offset, length, target) =>
      offset === 0 ? Promise.reject(new RangeError('a bug in read')) : readInto(fd, offset, length, target);
    try {
      const boom = await run('stat', [at('Company/boom')]);
      assert.match(boom.stderr, /Input\/output error/);
      const cat = await run('cat', [at(`Company/Documents/Live/${LONG_NAME}`)]);
      assert.match(cat.stderr, /Input\/output error/);
    } finally {
      vfs.getattr = getattr;
      vfs.readInto = readInto;
      vfs.readCached = readCached;
    }
    assert.ok(faults.some((f) => f.op === 'getattr' && f.err instanceof TypeError));
    assert.ok(faults.some((f) => f.op === 'read' && f.err instanceof RangeError));
    assert.deepEqual((await out('ls', ['-1', mnt])).trim().split('\n').sort(), [
      'Company',
      'Finance',
      'Projects',
    ]);
    assert.equal(await out('cat', [at(`Company/Documents/Live/${LONG_NAME}`)]), 'long');
  });

  it('refuses to mount over a live mount', async () => {
    await assert.rejects(mount(vfs, mnt), /live mount/);
    assert.equal((await out('ls', ['-1', at('Finance')])).trim().split('\n').length, 2);
  });

  it('unmounts cleanly: nothing left in /proc/mounts, the directory empty again', async () => {
    await m.unmount();
    assert.equal(await mountAt(m.mountpoint), undefined);
    assert.equal((await out('ls', ['-A', mnt])).trim(), '');
    await m.unmount();
    assert.equal(vfs.openFiles, 0, 'every fd released');
  });
});
