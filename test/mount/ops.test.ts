import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pLimit from 'p-limit';
import { fuseOps } from '../../mount/ops.js';
import { Vfs, VfsError } from '../../src/vfs/index.js';
import { type Index, openIndex } from '../../store/index.js';

type Call = unknown[];

/** Calls an op and collects every callback invocation, after giving promises time to settle. */
async function call(op: (...args: never[]) => void, ...args: unknown[]): Promise<Call[]> {
  const calls: Call[] = [];
  (op as (...a: unknown[]) => void)(...args, (...a: unknown[]) => calls.push(a));
  await new Promise((r) => setTimeout(r, 20));
  return calls;
}

describe('fuse ops wrapper: every op answers exactly once, with a number first', () => {
  let dir: string;
  let index: Index;
  let vfs: Vfs;
  let faults: Array<{ op: string; err: unknown }>;
  let unhandled: unknown[];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'deltafs-ops-'));
    index = openIndex(join(dir, 'index'), { noSync: true });
    process.on('unhandledRejection', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ops = () => {
    faults = [];
    unhandled = [];
    vfs = new Vfs({ index, libraries: [], content: { open: () => Promise.reject(new Error('none')) } });
    return fuseOps(vfs, { readLimit: pLimit(2), onFault: (op, _path, err) => faults.push({ op, err }) });
  };

  it('answers a sync success with 0 and numeric fields', async () => {
    const o = ops();
    const [answer, ...more] = await call(o.getattr, '/');
    assert.equal(more.length, 0);
    assert.equal(answer![0], 0);
    const stat = answer![1] as Record<string, number>;
    assert.equal(stat.mode, 0o040755);
    for (const v of Object.values(stat)) assert.equal(typeof v, 'number');
    assert.deepEqual(await call(o.readdir, '/'), [[0, ['.', '..']]]);
  });

  it('maps VfsErrors to their errno without logging them as faults', async () => {
    const o = ops();
    assert.deepEqual(await call(o.getattr, '/missing'), [[-2]]);
    assert.deepEqual(await call(o.open, '/missing', 0), [[-2]]);
    assert.deepEqual(await call(o.mkdir, '/new', 0o755), [[-30]]);
    assert.deepEqual(await call(o.getxattr, '/', 'security.selinux', 0), [[-95]]);
    assert.deepEqual(await call(o.read, '/x', 99, Buffer.alloc(8), 8, 0), [[-9]]);
    assert.deepEqual(faults, []);
  });

  it('turns a throw, a rejection or a non-Error into EIO, logged once, never unhandled', async () => {
    const o = ops();
    vfs.getattr = () => {
      throw new TypeError('bug');
    };
    vfs.readdir = () => {
      throw undefined;
    };
    vfs.readCached = () => undefined;
    vfs.readInto = () => Promise.reject(new RangeError('async bug'));
    vfs.release = () => Promise.reject(null);
    vfs.statfs = () => undefined as never;
    assert.deepEqual(await call(o.getattr, '/'), [[-5]]);
    assert.deepEqual(await call(o.readdir, '/'), [[-5]]);
    assert.deepEqual(await call(o.read, '/x', 1, Buffer.alloc(8), 8, 0), [[-5]]);
    assert.deepEqual(await call(o.release, '/x', 1), [[-5]]);
    assert.deepEqual(await call(o.statfs, '/'), [[-5]]);
    vfs.readCached = () => {
      throw new TypeError('sync bug in a cached read');
    };
    assert.deepEqual(await call(o.read, '/x', 1, Buffer.alloc(8), 8, 0), [[-5]]);
    assert.deepEqual(
      faults.map((f) => f.op),
      ['getattr', 'readdir', 'read', 'release', 'statfs', 'read'],
    );
    vfs.readCached = () => undefined;
    vfs.readInto = () => Promise.reject(new VfsError('ESTALE', 'read', '/x'));
    assert.deepEqual(await call(o.read, '/x', 1, Buffer.alloc(8), 8, 0), [[-116]]);
    assert.equal(faults.length, 6, 'ESTALE is an answer, not a fault');
    assert.deepEqual(unhandled, []);
  });

  it('reads into the kernel buffer, at once when the blocks are cached, and answers the byte count', async () => {
    const o = ops();
    const data = Buffer.from('0123456789abcdef');
    const into = (target: Buffer, offset: number, length: number) =>
      data.copy(target, 0, offset, Math.min(data.length, offset + length));
    vfs.readCached = (_fd, offset, length, target) => (offset < 8 ? into(target, offset, length) : undefined);
    vfs.readInto = async (_fd, offset, length, target) => into(target, offset, length);
    const buf = Buffer.alloc(6);
    const answers: Call[] = [];
    (o.read as (...a: unknown[]) => void)('/x', 1, buf, 6, 4, (...a: unknown[]) => answers.push(a));
    assert.deepEqual(answers, [[6]], 'a cached read is answered before the op returns');
    assert.equal(buf.toString(), '456789');
    assert.deepEqual(await call(o.read, '/x', 1, buf, 6, 10), [[6]]);
    assert.equal(buf.toString(), 'abcdef');
    // The length asked of the vfs never exceeds the buffer libfuse handed over.
    const small = Buffer.alloc(4);
    assert.deepEqual(await call(o.read, '/x', 1, small, 16, 9), [[4]], 'never past the buffer');
    assert.equal(small.toString(), '9abc');
  });

  it('bounds reads in flight', async () => {
    const o = ops();
    let inFlight = 0;
    let peak = 0;
    vfs.readCached = () => undefined;
    vfs.readInto = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return 1;
    };
    const answers: Call[] = [];
    for (let i = 0; i < 10; i++) {
      (o.read as (...a: unknown[]) => void)('/x', 1, Buffer.alloc(1), 1, 0, (...a: unknown[]) =>
        answers.push(a),
      );
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(answers.length, 10);
    assert.equal(peak, 2);
  });
});
