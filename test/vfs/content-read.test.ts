import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlockCache } from '../../src/vfs/content/index.js';
import {
  type ContentFixture,
  type ControlItem,
  contentFixture,
  KiB,
  MiB,
  patternBytes,
  prng,
  until,
} from './content-fixture.js';

describe('content reader: reads against the emulator', () => {
  let f: ContentFixture;
  let file: ControlItem;
  let data: Buffer;
  let huge: ControlItem;
  before(async () => {
    f = await contentFixture();
    // Not a multiple of the block size, so the last block is short.
    data = patternBytes(20 * MiB + 12_345, 1);
    file = await f.createFile('twenty.bin', data);
    huge = await f.find('Town hall recording.mp4');
    assert.equal(huge.size, 2 ** 30);
  });
  after(() => f.close());

  it('gives the bytes of the file at random offsets and lengths, across block boundaries and the end', async () => {
    assert.deepEqual(await f.truth(file.id, 0, data.length), data);
    for (const blockSize of [MiB, 256 * KiB]) {
      const r = f.reader({ blockSize, cacheBytes: 8 * MiB });
      const h = await r.open(f.versionOf(file));
      assert.equal(h.size, data.length);
      assert.equal(h.version, file.cTag);
      const rand = prng(blockSize);
      const cases: Array<[number, number]> = [
        [0, 1],
        [blockSize - 1, 2],
        [blockSize - 10, 3 * blockSize + 20],
        [data.length - 10, 100],
        [data.length - 1, 1],
        [data.length, 10],
        [data.length + 5000, 10],
        [0, 0],
      ];
      for (let i = 0; i < 120; i++)
        cases.push([Math.floor(rand() * data.length), 1 + Math.floor(rand() * 3 * MiB)]);
      for (const [offset, length] of cases) {
        const got = await h.read(offset, length);
        const want = data.subarray(Math.min(offset, data.length), Math.min(data.length, offset + length));
        assert.equal(got.length, want.length, `length of read ${offset}+${length}`);
        assert.ok(got.equals(want), `bytes of read ${offset}+${length} (block ${blockSize})`);
      }
      const whole = await h.read(0, data.length);
      assert.ok(whole.equals(data));
      h.close();
      await assert.rejects(h.read(0, 1), { code: 'EBADF' });
      await assert.rejects((await r.open(f.versionOf(file))).read(-1, 4), { code: 'EINVAL' });
    }
  });

  it('random access to the 1 GiB file fetches only the blocks it touches', async () => {
    const r = f.reader();
    const h = await r.open(f.versionOf(huge));
    const rand = prng(42);
    const reads = 24;
    const stride = Math.floor(huge.size / reads);
    for (let i = 0; i < reads; i++) {
      // Far apart and in shuffled order: nothing here looks sequential. Whole blocks, so the
      // reads go through the block cache (a small random read fetches just its pages instead:
      // content-span.test.ts).
      const slot = (i * 7) % reads;
      const at = slot * stride + Math.floor(rand() * (stride - 128 * KiB));
      const offset = at - (at % (128 * KiB));
      const got = await h.read(offset, 128 * KiB);
      assert.ok(got.equals(await f.truth(huge.id, offset, offset + 128 * KiB)), `read at ${offset}`);
    }
    await r.idle();
    assert.equal(r.blockSize, 128 * KiB, 'the default block is one FUSE read');
    assert.equal(r.stats.readAheadBlocks, 0);
    assert.equal(r.stats.spanFetches, 0, 'whole-block reads go through the block cache');
    assert.ok(r.stats.blocksFetched <= reads * 2, `fetched ${r.stats.blocksFetched} blocks`);
    // A block-sized read costs at most two blocks, in one GET: nothing ahead, nothing around.
    assert.ok(r.stats.bytesFetched <= reads * 2 * 128 * KiB, `fetched ${r.stats.bytesFetched} bytes`);
    assert.equal(r.stats.rangeRequests, reads);
    assert.equal(r.stats.rangeIgnored, 0);
  });

  it('a sequential reader gets its blocks by read-ahead in a few large GETs, split into blocks as they stream', async () => {
    const span = 32 * MiB;
    const want = await f.truth(huge.id, 0, span);
    const readAll = async (h: { read(o: number, l: number): Promise<Buffer> }) => {
      for (let off = 0; off < span; off += 128 * KiB) {
        const got = await h.read(off, 128 * KiB);
        assert.ok(got.equals(want.subarray(off, off + 128 * KiB)), `read at ${off}`);
      }
    };

    const plain = f.reader({ readAheadMax: 0, cacheBytes: 64 * MiB });
    await readAll(await plain.open(f.versionOf(huge)));
    assert.equal(plain.stats.readAheadBlocks, 0);
    assert.equal(plain.stats.demandFetches, span / plain.blockSize);
    assert.equal(plain.stats.rangeRequests, span / plain.blockSize);

    const r = f.reader({ cacheBytes: 64 * MiB, maxRunBytes: 2 * MiB });
    const h = await r.open(f.versionOf(huge));
    await readAll(h);
    await r.idle();
    const blocks = span / r.blockSize;
    assert.ok(r.stats.readAheadBlocks >= blocks - 2, `read ahead ${r.stats.readAheadBlocks}`);
    assert.ok(r.stats.demandFetches <= 2, `reads waited for ${r.stats.demandFetches} fetches of their own`);
    // 256 blocks, yet one GET carries up to 16 of them (2 MiB) once the window has grown.
    assert.ok(r.stats.rangeRequests <= blocks / 8, `${r.stats.rangeRequests} range requests`);
    assert.ok(r.stats.blocksFetched >= blocks && r.stats.blocksFetched <= blocks + 64);
    // Drop-behind: the blocks the reader has passed are gone, what lies ahead of it is kept.
    assert.ok(r.cache.stats.bytes <= 70 * r.blockSize, `cache holds ${r.cache.stats.bytes} bytes`);
  });

  it('blocks a random reader fetched are kept: reading them again fetches nothing', async () => {
    const r = f.reader({ cacheBytes: 64 * MiB });
    const h = await r.open(f.versionOf(huge));
    const offsets = [700 * MiB + 5, 10 * MiB + 77, 300 * MiB + 128 * KiB - 10, 900 * MiB];
    // One FUSE read each: more than half of the blocks it touches, so it fetches them whole.
    const read = async () => {
      for (const o of offsets)
        assert.ok((await h.read(o, 128 * KiB)).equals(await f.truth(huge.id, o, o + 128 * KiB)));
    };
    await read();
    const fetched = r.stats.blocksFetched;
    assert.equal(fetched, 7, 'two blocks per read, one for the read on a block boundary');
    assert.equal(r.stats.spanFetches, 0);
    await read();
    assert.equal(r.stats.blocksFetched, fetched);
    const target = Buffer.alloc(4 * KiB + 10);
    // Straight into a caller's buffer, at an offset, without a promise when the blocks are in memory.
    assert.equal(h.readCached(offsets[2]!, 4 * KiB, target, 10), 4 * KiB);
    assert.ok(target.subarray(10).equals(await f.truth(huge.id, offsets[2]!, offsets[2]! + 4 * KiB)));
    assert.equal(h.readCached(500 * MiB, 10, target), undefined, 'not in memory: nothing read');
    assert.equal(await h.readInto(500 * MiB, 10, target), 10);
    assert.ok(target.subarray(0, 10).equals(await f.truth(huge.id, 500 * MiB, 500 * MiB + 10)));
    assert.equal(h.readCached(huge.size, 10, target), 0);
  });

  it('concurrent reads of one block share one fetch', async () => {
    const r = f.reader({ readAheadMax: 0 });
    const h = await r.open(f.versionOf(file));
    const got = await Promise.all(Array.from({ length: 8 }, (_, i) => h.read(5 * MiB + i * 1000, 500)));
    got.forEach((g, i) => {
      assert.ok(g.equals(data.subarray(5 * MiB + i * 1000, 5 * MiB + i * 1000 + 500)));
    });
    assert.equal(r.stats.blocksFetched, 1);
    assert.equal(r.stats.demandFetches, 1);
  });

  it('never holds more than maxBytes in memory while reading', async () => {
    const maxBytes = 3 * MiB + 100 * KiB;
    const r = f.reader({ cacheBytes: maxBytes, readAheadMax: 4 });
    const h = await r.open(f.versionOf(file));
    const rand = prng(9);
    let peak = 0;
    for (let i = 0; i < 60; i++) {
      const offset = i < 30 ? i * 512 * KiB : Math.floor(rand() * data.length);
      const got = await h.read(offset, 256 * KiB);
      assert.ok(got.equals(data.subarray(offset, offset + 256 * KiB)));
      peak = Math.max(peak, r.cache.stats.bytes);
      assert.ok(r.cache.stats.bytes <= maxBytes, `cache holds ${r.cache.stats.bytes}`);
    }
    await r.idle();
    assert.ok(r.cache.stats.bytes <= maxBytes);
    assert.ok(r.cache.stats.evictions > 0);
    assert.ok(peak >= 3 * MiB, `the cache was used (peak ${peak})`);
  });
});

describe('content reader: disk tier', () => {
  let f: ContentFixture;
  let dir: string;
  before(async () => {
    f = await contentFixture({ seed: 13 });
    dir = await mkdtemp(join(tmpdir(), 'deltafs-content-'));
  });
  after(async () => {
    await f.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a block evicted from memory is read back from disk, not fetched again', async () => {
    const data = patternBytes(8 * MiB, 8);
    const item = await f.createFile('spill.bin', data);
    const cache = new BlockCache({ maxBytes: 2 * MiB, diskDir: dir, diskMaxBytes: 64 * MiB });
    const r = f.reader({ cache, readAheadMax: 0, blockSize: MiB });
    const h = await r.open(f.versionOf(item));
    // Whole blocks: a small random read would fetch only its own bytes, and cache nothing.
    for (const b of [0, 5, 2, 7, 1, 6, 3, 4])
      assert.ok((await h.read(b * MiB, MiB)).equals(data.subarray(b * MiB, (b + 1) * MiB)));
    assert.equal(r.stats.blocksFetched, 8);
    await until(() => cache.stats.disk!.writes === 6);
    for (const b of [0, 5, 2]) {
      const got = await h.read(b * MiB + 100, MiB);
      assert.ok(got.equals(data.subarray(b * MiB + 100, (b + 1) * MiB + 100)));
    }
    // Each read spans two blocks, all of them spilled by then: nothing is fetched again.
    assert.equal(r.stats.blocksFetched, 8);
    assert.ok(cache.stats.disk!.hits >= 6, `disk hits ${cache.stats.disk!.hits}`);
    assert.ok(cache.stats.bytes <= 2 * MiB);
    await cache.close();
  });
});
