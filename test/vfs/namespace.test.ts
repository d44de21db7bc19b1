import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Vfs, VfsError, type VfsErrorCode } from '../../src/vfs/index.js';
import { type RemoteItem, type World, world } from './namespace-fixture.js';

function throwsCode(fn: () => unknown, code: VfsErrorCode, syscall?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof VfsError, `expected a VfsError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (syscall) assert.equal(err.syscall, syscall);
    return true;
  });
}

async function rejectsCode(p: Promise<unknown>, code: VfsErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof VfsError, `expected a VfsError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

const NFC = 'Caf\u00e9 r\u00e9sum\u00e9.txt';
const NFD = NFC.normalize('NFD');
const NAIVE_NFD = 'Nai\u0308ve notes.txt';

describe('vfs namespace over the index fed by the sync engine', () => {
  let w: World;
  let vfs: Vfs;
  let docs: { driveId: string };
  let file: RemoteItem;

  before(async () => {
    w = await world({ items: 300, seed: 5 });
    docs = w.library('Company', 'Documents');
    await w.op(docs.driveId, { op: 'createFolder', parent: '/', name: 'Reports' });
    file = await w.op(docs.driveId, {
      op: 'createFile',
      parent: '/Reports',
      name: 'Q3 Summary.txt',
      text: 'revenue went up\n'.repeat(1000),
    });
    await w.op(docs.driveId, { op: 'createFile', parent: '/Reports', name: NFC, text: 'nfc' });
    await w.op(docs.driveId, { op: 'createFile', parent: '/Reports', name: NAIVE_NFD, text: 'nfd' });
    await w.sync();
    vfs = w.vfs();
  });
  after(async () => {
    await w?.close();
  });

  it('shows every library as /<site>/<library>, with virtual site directories', () => {
    const sites = vfs.readdir('/');
    for (const lib of w.libraries) {
      assert.ok(sites.includes(lib.siteName), `${lib.siteName} in ${sites}`);
      assert.ok(vfs.readdir(`/${lib.siteName}`).includes(lib.libraryName));
    }
    assert.deepEqual(vfs.readdir('/Finance').sort(), ['Documents', 'Invoices']);
    const site = vfs.getattr('/Finance');
    assert.ok(site.isDirectory());
    assert.equal(site.mode, 0o040755);
    assert.equal(site.uid, process.getuid!());
    assert.equal(site.gid, process.getgid!());
    assert.deepEqual(vfs.listxattr('/Finance'), []);
  });

  it('lists a library root exactly as the index holds it, names as stored', () => {
    const root = w.index.getRoot(docs.driveId)!;
    const expected = w.index.list(docs.driveId, root.id).entries.map((e) => e.name);
    assert.ok(expected.length > 3);
    assert.deepEqual(vfs.readdir('/Company/Documents'), expected);
    assert.deepEqual(
      vfs.readdir('/Company/Documents/Reports').sort(),
      [NAIVE_NFD, NFC, 'Q3 Summary.txt'].sort(),
    );
  });

  it('looks names up case-insensitively at every level', () => {
    const exact = vfs.getattr('/Company/Documents/Reports/Q3 Summary.txt');
    const folded = vfs.getattr('/company/DOCUMENTS/reports/q3 summary.TXT');
    assert.deepEqual(folded, exact);
    assert.equal(vfs.readdir('/COMPANY').length, vfs.readdir('/Company').length);
  });

  it('finds a name whatever its Unicode normalization, and lists it as stored', () => {
    const names = vfs.readdir('/Company/Documents/Reports');
    assert.ok(names.includes(NFC) && !names.includes(NFD), 'stored NFC, listed NFC');
    assert.ok(
      names.includes(NAIVE_NFD) && !names.includes(NAIVE_NFD.normalize('NFC')),
      'stored NFD, listed NFD',
    );
    assert.equal(vfs.getattr(`/Company/Documents/Reports/${NFD}`).size, 3);
    assert.equal(vfs.getattr(`/Company/Documents/Reports/${NAIVE_NFD.normalize('NFC')}`).size, 3);
    assert.equal(vfs.getattr(`/Company/Documents/Reports/${NAIVE_NFD.toUpperCase()}`).size, 3);
  });

  it('answers ENOENT, ENOTDIR and EISDIR where POSIX does', async () => {
    throwsCode(() => vfs.getattr('/Nowhere'), 'ENOENT', 'stat');
    throwsCode(() => vfs.getattr('/Company/Nowhere'), 'ENOENT');
    throwsCode(() => vfs.getattr('/Company/Documents/Reports/missing.txt'), 'ENOENT');
    throwsCode(() => vfs.readdir('/Company/Documents/Nowhere'), 'ENOENT', 'scandir');
    throwsCode(() => vfs.getattr('/Company/Documents/Reports/Q3 Summary.txt/inside'), 'ENOTDIR');
    throwsCode(() => vfs.getattr('/Company/Documents/Reports/Q3 Summary.txt/'), 'ENOTDIR');
    throwsCode(() => vfs.readdir('/Company/Documents/Reports/Q3 Summary.txt'), 'ENOTDIR', 'scandir');
    throwsCode(() => vfs.getattr('relative/path'), 'EINVAL');
    await rejectsCode(vfs.open('/Company/Documents/Reports'), 'EISDIR');
    await rejectsCode(vfs.open('/Company'), 'EISDIR');
    throwsCode(() => vfs.unlink('/Company/Documents/Reports'), 'EISDIR');
    throwsCode(() => vfs.rmdir('/Company/Documents/Reports/Q3 Summary.txt'), 'ENOTDIR');
  });

  it('stats a file from its index record', () => {
    const item = w.index.getItem(docs.driveId, file.id)!;
    const s = vfs.getattr('/Company/Documents/Reports/Q3 Summary.txt');
    assert.ok(s.isFile() && !s.isDirectory());
    assert.equal(s.mode, 0o100644);
    assert.equal(s.size, 16_000);
    assert.equal(s.size, item.size);
    assert.equal(s.blocks, Math.ceil(16_000 / 512));
    assert.equal(s.nlink, 1);
    assert.equal(s.mtimeMs, item.modifiedAt);
    assert.equal(s.ctimeMs, item.modifiedAt);
    assert.equal(s.atimeMs, item.modifiedAt);
    assert.equal(s.birthtimeMs, item.createdAt);
    assert.ok(Math.abs(s.mtimeMs - Date.now()) < 120_000, 'a file created just now');
    const dir = vfs.getattr('/Company/Documents/Reports');
    assert.equal(dir.mode, 0o040755);
    assert.equal(dir.size, 0);
    const owned = w
      .vfs({ owner: { uid: 1234, gid: 0 } })
      .getattr('/Company/Documents/Reports/Q3 Summary.txt');
    assert.equal(owned.uid, 1234);
    assert.equal(owned.gid, 0);
  });

  it('exposes the Graph identity as user.deltafs.* xattrs', async () => {
    const path = '/Company/Documents/Reports/Q3 Summary.txt';
    const truth = (await w.truth(docs.driveId)).find((t) => t.id === file.id)!;
    const names = vfs.listxattr(path);
    for (const n of ['id', 'driveId', 'eTag', 'quickXorHash', 'webUrl']) {
      assert.ok(names.includes(`user.deltafs.${n}`), `${n} in ${names}`);
    }
    // Delta carries no cTag on business drives (Graph's rule, kept by the emulator): absent is ENODATA.
    assert.equal(w.index.getItem(docs.driveId, file.id)!.cTag, undefined);
    assert.ok(!names.includes('user.deltafs.cTag'));
    await rejectsCode(vfs.getxattr(path, 'user.deltafs.cTag'), 'ENODATA');
    const get = async (n: string) => (await vfs.getxattr(path, `user.deltafs.${n}`)).toString();
    assert.equal(await get('id'), file.id);
    assert.equal(await get('driveId'), docs.driveId);
    assert.equal(await get('eTag'), truth.eTag);
    assert.equal(await get('quickXorHash'), truth.quickXorHash);
    const graphItem = await w.graph.getItem(docs.driveId, file.id, { select: ['webUrl'] });
    assert.ok(graphItem.webUrl?.startsWith('https://'));
    assert.equal(await get('webUrl'), graphItem.webUrl);
    await rejectsCode(vfs.getxattr(path, 'user.deltafs.nope'), 'ENODATA');
    await rejectsCode(vfs.getxattr(path, 'user.other'), 'ENODATA');
    // Namespaces the file system has no notion of: ENOTSUP, which ls -l remembers per device.
    await rejectsCode(vfs.getxattr(path, 'system.posix_acl_access'), 'ENOTSUP');
    await rejectsCode(vfs.getxattr(path, 'security.selinux'), 'ENOTSUP');
    await rejectsCode(vfs.getxattr('/Finance', 'user.deltafs.id'), 'ENODATA');
    await rejectsCode(vfs.getxattr('/Company/Documents/missing', 'user.deltafs.id'), 'ENOENT');
    // A folder has no content hash; the library root is the drive's root item.
    assert.ok(!vfs.listxattr('/Company/Documents/Reports').includes('user.deltafs.quickXorHash'));
    const rootId = w.index.getRoot(docs.driveId)!.id;
    assert.equal((await vfs.getxattr('/Company/Documents', 'user.deltafs.id')).toString(), rootId);
    const offline = w.vfs({ webUrls: undefined });
    assert.ok(!offline.listxattr(path).includes('user.deltafs.webUrl'));
    await rejectsCode(offline.getxattr(path, 'user.deltafs.webUrl'), 'ENODATA');
    throwsCode(() => vfs.setxattr(path, 'user.x'), 'ENOTSUP');
  });

  it('refuses every write with EROFS, after the checks a real file system makes first', async () => {
    const path = '/Company/Documents/Reports/Q3 Summary.txt';
    for (const flags of [
      constants.O_WRONLY,
      constants.O_RDWR,
      constants.O_RDONLY | constants.O_TRUNC,
      constants.O_WRONLY | constants.O_APPEND,
    ]) {
      await rejectsCode(vfs.open(path, flags), 'EROFS');
    }
    assert.equal(vfs.openFiles, 0);
    throwsCode(() => vfs.mkdir('/Company/Documents/Reports/New'), 'EROFS', 'mkdir');
    throwsCode(() => vfs.mkdir('/Company/Documents/reports'), 'EEXIST');
    throwsCode(() => vfs.mkdir('/Company/Documents/Missing/New'), 'ENOENT');
    throwsCode(() => vfs.mkdir(`${path}/New`), 'ENOTDIR');
    throwsCode(() => vfs.create('/Company/Documents/Reports/new.txt'), 'EROFS');
    throwsCode(() => vfs.unlink(path), 'EROFS');
    throwsCode(() => vfs.unlink('/Company/Documents/Reports/missing'), 'ENOENT');
    throwsCode(() => vfs.rename(path, '/Company/Documents/Reports/renamed.txt'), 'EROFS');
    throwsCode(() => vfs.rename(path, '/Company/Documents/Missing/renamed.txt'), 'ENOENT');
    throwsCode(() => vfs.truncate(path), 'EROFS');
    throwsCode(() => vfs.setattr('chmod', path), 'EROFS');
    throwsCode(() => vfs.access(path, constants.W_OK), 'EROFS');
    throwsCode(() => vfs.access(path, constants.X_OK), 'EACCES');
    vfs.access(path, constants.R_OK);
    vfs.access('/Company/Documents/Reports', constants.X_OK);
  });

  it('applies the open policy: EFBIG above the open limit, read-only above the write limit', async () => {
    const path = '/Company/Documents/Reports/Q3 Summary.txt';
    const capped = w.vfs({ limits: { maxOpenBytes: 10_000, readOnlyAboveBytes: 5_000 } });
    await rejectsCode(capped.open(path), 'EFBIG');
    assert.equal(capped.getattr(path).mode, 0o100444);
    const readOnly = w.vfs({ limits: { readOnlyAboveBytes: 5_000 } });
    assert.equal(readOnly.getattr(path).mode, 0o100444);
    assert.equal(readOnly.getattr(`/Company/Documents/Reports/${NFC}`).mode, 0o100644);
    await rejectsCode(readOnly.open(path, constants.O_RDWR), 'EACCES');
    const fd = await readOnly.open(path, constants.O_RDONLY);
    await readOnly.release(fd);
  });

  it('reads a file through the content reader: the emulator bytes, empty past the end', async () => {
    const path = '/company/documents/reports/Q3 SUMMARY.txt';
    const fd = await vfs.open(path, constants.O_RDONLY);
    assert.equal(vfs.openFiles, 1);
    try {
      const expected = await w.bytes(docs.driveId, file.id);
      assert.deepEqual(await vfs.read(fd, 0, 16_000), expected);
      assert.deepEqual(await vfs.read(fd, 100, 50), expected.subarray(100, 150));
      assert.deepEqual(await vfs.read(fd, 15_990, 4096), expected.subarray(15_990));
      assert.equal((await vfs.read(fd, 16_000, 10)).length, 0);
      assert.equal((await vfs.read(fd, 99_999, 10)).length, 0);
    } finally {
      await vfs.release(fd);
    }
    assert.equal(vfs.openFiles, 0);
    await rejectsCode(vfs.read(fd, 0, 10), 'EBADF');
    await rejectsCode(vfs.release(fd), 'EBADF');
  });

  it('pins the version at open: an old fd never serves the new bytes (close-to-open)', async () => {
    const made = await w.op(docs.driveId, {
      op: 'createFile',
      parent: '/Reports',
      name: 'pinned.txt',
      text: 'A'.repeat(8192),
    });
    await w.sync();
    const path = '/Company/Documents/Reports/pinned.txt';
    const fd = await vfs.open(path);
    await w.op(docs.driveId, { op: 'write', item: made.id, text: 'B'.repeat(8192) });
    await w.sync();
    try {
      const data = await vfs.read(fd, 0, 8192);
      assert.equal(data.toString(), 'A'.repeat(8192), 'old version, whole');
    } catch (err) {
      assert.ok(err instanceof VfsError && err.code === 'ESTALE', `old bytes or ESTALE, got ${err}`);
    } finally {
      await vfs.release(fd);
    }
    const fresh = await vfs.open(path);
    try {
      assert.equal((await vfs.read(fresh, 0, 8192)).toString(), 'B'.repeat(8192));
    } finally {
      await vfs.release(fresh);
    }
  });

  it('follows remote renames and deletes with no cache to invalidate', async () => {
    const made = await w.op(docs.driveId, {
      op: 'createFile',
      parent: '/Reports',
      name: 'draft.txt',
      text: 'x',
    });
    await w.sync();
    assert.equal(vfs.getattr('/Company/Documents/Reports/draft.txt').size, 1);
    await w.op(docs.driveId, { op: 'rename', item: made.id, name: 'Final.txt' });
    await w.sync();
    throwsCode(() => vfs.getattr('/Company/Documents/Reports/draft.txt'), 'ENOENT');
    assert.ok(vfs.readdir('/Company/Documents/Reports').includes('Final.txt'));
    await w.op(docs.driveId, { op: 'move', item: made.id, parent: '/' });
    await w.sync();
    assert.equal(vfs.getattr('/Company/Documents/final.txt').size, 1);
    await w.op(docs.driveId, { op: 'delete', item: made.id });
    await w.sync();
    throwsCode(() => vfs.getattr('/Company/Documents/Final.txt'), 'ENOENT');
  });

  it('reports quota per library, and the sum above the library level', () => {
    const lib = w.library('Finance', 'Invoices');
    const one = vfs.statfs('/Finance/Invoices/');
    assert.equal(one.totalBytes, lib.quotaTotal);
    assert.equal(one.usedBytes, lib.quotaUsed);
    assert.equal(one.freeBytes, lib.quotaTotal! - lib.quotaUsed!);
    assert.equal(one.files, w.index.getDriveState(lib.driveId)!.itemCount);
    const all = vfs.statfs('/');
    assert.equal(
      all.totalBytes,
      w.libraries.reduce((n, l) => n + (l.quotaTotal ?? 0), 0),
    );
    const finance = vfs.statfs('/Finance');
    assert.equal(finance.totalBytes, w.library('Finance', 'Documents').quotaTotal! + lib.quotaTotal!);
    assert.ok(all.readOnly);
  });

  it("mounts a single library at the root with layout 'library'", () => {
    const lib = w.library('Finance', 'Invoices');
    const single = w.vfs({ libraries: [lib], layout: 'library' });
    const root = w.index.getRoot(lib.driveId)!;
    assert.deepEqual(
      single.readdir('/'),
      w.index.list(lib.driveId, root.id).entries.map((e) => e.name),
    );
    assert.equal(single.getattr('/').mtimeMs, root.modifiedAt);
    assert.throws(() => w.vfs({ layout: 'library' }), /exactly one library/);
  });

  it('gives same-named libraries of one site distinct names', () => {
    const lib = w.library('Finance', 'Invoices');
    const twin = { ...w.library('Finance', 'Documents'), libraryName: 'invoices' };
    const v = w.vfs({ libraries: [lib, twin] });
    assert.deepEqual(v.readdir('/Finance'), ['Invoices', 'invoices (2)']);
    assert.notDeepEqual(v.readdir('/Finance/Invoices'), v.readdir('/Finance/invoices (2)'));
  });
});
