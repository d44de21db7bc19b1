import assert from 'node:assert/strict';
import { constants, readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlockCache, openPolicy } from '../../src/vfs/content/index.js';
import { ReadAhead } from '../../src/vfs/content/read-ahead.js';
import { KiB, MiB, patternBytes, until } from './content-fixture.js';

const block = (n: number, size = 100 * KiB) => patternBytes(size, n + 1);

describe('BlockCache', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deltafs-blocks-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps the most recently used blocks within maxBytes', () => {
    const cache = new BlockCache({ maxBytes: 350 * KiB });
    for (let i = 0; i < 3; i++) cache.set(`k${i}`, block(i));
    assert.ok(cache.get('k0')); // now the most recent
    cache.set('k3', block(3));
    assert.equal(cache.get('k1'), undefined, 'the least recently used block went');
    assert.ok(cache.get('k0')?.equals(block(0)));
    assert.ok(cache.get('k3')?.equals(block(3)));
    assert.equal(cache.stats.bytes, 300 * KiB);
    for (let i = 10; i < 40; i++) {
      cache.set(`k${i}`, block(i, (i % 7) * 20 * KiB + 1));
      assert.ok(cache.stats.bytes <= 350 * KiB);
    }
    cache.set('huge', block(99, 400 * KiB));
    assert.equal(cache.get('huge'), undefined, 'a block larger than the bound is not kept');
    assert.ok(cache.stats.evictions > 0);
  });

  it('spills evicted blocks to disk, serves them back, checks them, and cleans up', async () => {
    const sub = join(dir, 'tier');
    const cache = new BlockCache({ maxBytes: 200 * KiB, diskDir: sub, diskMaxBytes: 450 * KiB });
    for (let i = 0; i < 8; i++) cache.set(`d${i}`, block(i));
    assert.equal(cache.get('d0'), undefined);
    assert.ok(cache.has('d5') && cache.onDisk('d5'));
    // Writes and the unlinks of evicted files finish in the background: wait for both.
    await until(() => cache.stats.disk!.writes >= 6 && readdirSync(sub).length === 4);
    // Disk bound: 4 of the 6 spilled blocks fit; the two oldest were removed.
    assert.equal(cache.stats.disk!.bytes, 400 * KiB);
    assert.equal(cache.has('d0') || cache.has('d1'), false);
    assert.equal((await readdir(sub)).length, 4);

    const back = await cache.fromDisk('d3');
    assert.ok(back?.equals(block(3)));
    assert.ok(cache.get('d3')?.equals(block(3)), 'promoted back to memory');

    // A damaged file is not served: shorter, or one holding another key's bytes.
    await truncate(cache.diskPathOf('d4')!, 1000);
    assert.equal(await cache.fromDisk('d4'), undefined);
    await writeFile(cache.diskPathOf('d5')!, Buffer.alloc(100 * KiB + 40));
    assert.equal(await cache.fromDisk('d5'), undefined);
    assert.equal(cache.stats.disk!.rejected, 2);
    assert.equal(cache.has('d4') || cache.has('d5'), false);

    await cache.close();
    assert.deepEqual(await readdir(sub), []);
  });

  it('a new disk tier removes block files an earlier process left', async () => {
    const sub = join(dir, 'stale');
    const first = new BlockCache({ maxBytes: 100 * KiB, diskDir: sub });
    first.set('a', block(1));
    first.set('b', block(2));
    await until(() => first.stats.disk!.writes === 1);
    await writeFile(join(sub, 'notes.txt'), 'not ours');
    const second = new BlockCache({ maxBytes: 100 * KiB, diskDir: sub });
    assert.deepEqual(await readdir(sub), ['notes.txt']);
    assert.equal(await second.fromDisk('a'), undefined);
    await second.close();
  });
});

describe('ReadAhead', () => {
  it('grows the window while reads follow each other, tops it up in quarter steps and closes it on a jump', () => {
    const bs = 128 * KiB;
    const ra = new ReadAhead(bs, 64);
    const asked: number[] = [];
    for (let off = 0; off < 12 * bs; off += bs) asked.push(ra.observe(off, off + bs));
    // Window 1, 2, 4 … 64 blocks past the block just read; then nothing until a quarter is used up.
    assert.deepEqual(asked, [-1, 2, 4, 7, 12, 21, 38, 71, -1, -1, -1, -1]);
    for (let off = 12 * bs; off < 23 * bs; off += bs) assert.equal(ra.observe(off, off + bs), -1);
    assert.equal(ra.observe(23 * bs, 24 * bs), 23 + 64);
    assert.equal(ra.passed, 21, 'two blocks behind the reader are left for late requests');
    assert.equal(ra.observe(500 * MiB, 500 * MiB + 4096), -1, 'a jump is random access');
    assert.equal(ra.passed, -1);
    assert.equal(ra.observe(500 * MiB + 4096, 500 * MiB + 8192), 4000 + 1);
    // Slightly out of order, as concurrent kernel requests arrive: still sequential.
    assert.equal(ra.observe(500 * MiB, 500 * MiB + 4096), -1);
    assert.equal(ra.passed, 4000 - 2);
    assert.equal(ra.observe(3 * MiB, 3 * MiB + 10), -1);
    assert.equal(new ReadAhead(MiB, 0).observe(0, 1) + new ReadAhead(MiB, 0).observe(1, 2), -2);
  });
});

describe('openPolicy', () => {
  it('refuses files above the maximum and opens large ones for reading only', () => {
    const { O_RDONLY, O_WRONLY, O_RDWR, O_TRUNC } = constants;
    assert.equal(openPolicy(10, O_RDWR), 'ok');
    assert.equal(openPolicy(2 ** 30, O_RDONLY), 'ok');
    assert.equal(openPolicy(2 ** 30 + 1, O_RDONLY), 'EFBIG');
    assert.equal(openPolicy(2 ** 30 + 1, 'r'), 'EFBIG');
    assert.equal(openPolicy(500 * MiB, O_RDWR), 'ok');
    assert.equal(openPolicy(500 * MiB + 1, O_RDONLY), 'ok');
    assert.equal(openPolicy(500 * MiB + 1, O_WRONLY), 'readonly');
    assert.equal(openPolicy(600 * MiB, O_RDONLY | O_TRUNC), 'readonly');
    assert.equal(openPolicy(600 * MiB, 'r+'), 'readonly');
    assert.equal(openPolicy(600 * MiB, 'r'), 'ok');
    assert.equal(openPolicy(11, O_RDONLY, { maxOpenBytes: 10 }), 'EFBIG');
    assert.equal(openPolicy(6, O_RDWR, { readOnlyAboveBytes: 5 }), 'readonly');
  });
});
