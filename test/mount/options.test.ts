import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_MOUNT_OPTIONS,
  fuseArgs,
  type MountOptions,
  MountOptionsError,
  resolveMountOptions,
  toErrno,
} from '../../mount/index.js';
import { VfsError } from '../../src/vfs/index.js';

describe('mount options', () => {
  it('defaults: 1 s attribute and entry timeouts, no negative caching, auto_cache, auto_unmount', () => {
    const o = resolveMountOptions();
    assert.deepEqual(o, DEFAULT_MOUNT_OPTIONS);
    assert.deepEqual(fuseArgs(o), [
      'fsname=deltafs',
      'subtype=deltafs',
      'auto_unmount',
      'attr_timeout=1',
      'entry_timeout=1',
      'negative_timeout=0',
      'auto_cache',
    ]);
  });

  it('keeps zero values that a truthiness check would drop', () => {
    const args = fuseArgs(
      resolveMountOptions({ attrTimeout: 0, entryTimeout: 0.1, autoCache: false, kernelCache: true }),
    );
    assert.ok(args.includes('attr_timeout=0'));
    assert.ok(args.includes('entry_timeout=0.1'));
    assert.ok(args.includes('kernel_cache'));
    assert.ok(!args.includes('auto_cache'));
  });

  it('rejects unknown keys, wrong types and values that would corrupt the -o string', () => {
    const bad: unknown[] = [
      { attrTimout: 1 },
      { attrTimeout: '1' },
      { attrTimeout: -1 },
      { entryTimeout: Number.NaN },
      { negativeTimeout: 7200 },
      { fsname: 'deltafs,allow_other' },
      { subtype: 'a=b' },
      { fsname: '' },
      { readConcurrency: 0 },
      { readConcurrency: 1.5 },
      { opTimeoutMs: 10 },
      { allowOther: 'yes' },
    ];
    for (const opts of bad) {
      assert.throws(() => resolveMountOptions(opts as MountOptions), MountOptionsError, JSON.stringify(opts));
    }
  });
});

describe('errno mapping', () => {
  it('maps VfsError codes to negative errnos, anything else to EIO', () => {
    assert.equal(toErrno(new VfsError('ENOENT', 'stat', '/x')), -2);
    assert.equal(toErrno(new VfsError('ENOTDIR', 'stat')), -20);
    assert.equal(toErrno(new VfsError('EISDIR', 'open')), -21);
    assert.equal(toErrno(new VfsError('EROFS', 'open')), -30);
    assert.equal(toErrno(new VfsError('EFBIG', 'open')), -27);
    assert.equal(toErrno(new VfsError('ESTALE', 'read')), -116);
    assert.equal(toErrno(new VfsError('ENODATA', 'getxattr')), -61);
    assert.equal(toErrno(new VfsError('ENOTSUP', 'setxattr')), -95);
    assert.equal(toErrno(new VfsError('EACCES', 'open')), -13);
    assert.equal(toErrno(Object.assign(new Error('fs'), { code: 'EEXIST' })), -17);
    for (const weird of [new TypeError('bug'), { code: 'NOT_AN_ERRNO' }, null, undefined, 'text', 42]) {
      assert.equal(toErrno(weird), -5);
    }
  });
});
