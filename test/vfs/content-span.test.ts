import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { VersionChangedError } from '../../src/vfs/content/index.js';
import {
  type ContentFixture,
  type ControlItem,
  contentFixture,
  KiB,
  MiB,
  NO_FAULTS,
  patternBytes,
  prng,
  until,
} from './content-fixture.js';

// What the kernel sends for a 4 KiB pread at a random offset: the pages it touches (8 KiB at an
// odd offset), without read-ahead. Such a read fetches its own pages, not the 128 KiB block.
describe('content reader: small random reads fetch their own bytes', () => {
  let f: ContentFixture;
  let huge: ControlItem;
  let file: ControlItem;
  let data: Buffer;
  before(async () => {
    f = await contentFixture({ seed: 17 });
    huge = await f.find('Town hall recording.mp4');
    data = patternBytes(6 * MiB + 999, 31);
    file = await f.createFile('six.bin', data);
  });
  afterEach(() => f.faults(NO_FAULTS));
  after(() => f.close());

  it('a 4 KiB read at a random offset of the 1 GiB file fetches its pages only, in one GET, and caches nothing', async () => {
    const r = f.reader();
    const h = await r.open(f.versionOf(huge));
    const rand = prng(77);
    const reads = 24;
    const stride = Math.floor(huge.size / reads);
    const offsets: number[] = [];
    for (let i = 0; i < reads; i++)
      offsets.push(((i * 7) % reads) * stride + Math.floor(rand() * (stride - 8 * KiB)));
    // One on a block boundary: its pages lie in two blocks, and still come in one small GET.
    offsets.push(300 * MiB + 128 * KiB - 10);
    for (const o of offsets) {
      const got = await h.read(o, 4 * KiB);
      assert.ok(got.equals(await f.truth(huge.id, o, o + 4 * KiB)), `read at ${o}`);
    }
    await r.idle();
    const n = offsets.length;
    assert.equal(r.stats.spanFetches, n);
    assert.equal(r.stats.rangeRequests, n);
    assert.equal(r.stats.blocksFetched, 0);
    assert.equal(r.stats.readAheadBlocks, 0);
    assert.equal(r.stats.demandFetches, 0);
    // Aligned out to pages: 8 KiB for 4 KiB at an odd offset, not 128 KiB.
    assert.ok(r.stats.bytesFetched <= n * 8 * KiB, `fetched ${r.stats.bytesFetched} bytes`);
    assert.ok(r.stats.bytesFetched >= n * 4 * KiB, `fetched ${r.stats.bytesFetched} bytes`);
    assert.equal(r.cache.stats.entries, 0, 'nothing cached: the kernel page cache holds those pages');

    // Not cached here, so the same read asks again (through a mount the kernel would answer it).
    const o = offsets[3]!;
    assert.ok((await h.read(o, 4 * KiB)).equals(await f.truth(huge.id, o, o + 4 * KiB)));
    assert.equal(r.stats.spanFetches, n + 1);
    // Straight into a caller's buffer, at an offset.
    const target = Buffer.alloc(4 * KiB + 10);
    assert.equal(await h.readInto(o, 4 * KiB, target, 10), 4 * KiB);
    assert.ok(target.subarray(10).equals(await f.truth(huge.id, o, o + 4 * KiB)));
  });

  it('blocks are read when cached, on their way, at offset 0, for large reads, and for a sequential reader', async () => {
    const r = f.reader({ cacheBytes: 32 * MiB });
    const h = await r.open(f.versionOf(file));
    const check = async (o: number, len: number) =>
      assert.ok((await h.read(o, len)).equals(data.subarray(o, o + len)), `read ${o}+${len}`);

    // Offset 0 starts a stream (the kernel's first request there is 16 KiB): a whole block.
    await check(0, 16 * KiB);
    assert.equal(r.stats.spanFetches, 0);
    assert.equal(r.stats.blocksFetched, 1);
    // A small random read elsewhere: its own bytes.
    await check(3 * MiB, 100);
    assert.equal(r.stats.spanFetches, 1);
    // A random read within the cached block: a hit.
    await check(50 * KiB, 4 * KiB);
    assert.equal(r.stats.spanFetches, 1);
    assert.equal(r.stats.rangeRequests, 2);
    // More than half of its block: the block.
    await check(2 * MiB + 10, 80 * KiB);
    assert.equal(r.stats.spanFetches, 1);
    assert.equal(r.stats.blocksFetched, 2);

    // A sequential reader after a small random first read: blocks, with read-ahead, as before.
    const rangesBefore = r.stats.rangeRequests;
    const start = 4 * MiB + 4 * KiB;
    await check(start, 4 * KiB);
    assert.equal(r.stats.spanFetches, 2);
    for (let o = start + 4 * KiB; o < start + MiB; o += 32 * KiB) await check(o, 32 * KiB);
    await r.idle();
    assert.equal(r.stats.spanFetches, 2, 'only the first read of the stream');
    assert.ok(r.stats.readAheadBlocks > 0);
    assert.ok(r.stats.rangeRequests - rangesBefore <= 6, `${r.stats.rangeRequests - rangesBefore} GETs`);

    // A random read of a block read-ahead has fetched or is fetching: no GET of its own.
    const r2 = f.reader({ cacheBytes: 32 * MiB });
    const h2 = await r2.open(f.versionOf(file));
    for (let o = 0; o < MiB; o += 64 * KiB) await h2.read(o, 64 * KiB);
    const o = 2 * MiB + 500 * KiB;
    assert.ok((await h2.read(o, 100)).equals(data.subarray(o, o + 100)));
    assert.equal(r2.stats.spanFetches, 0);
  });

  it('a version change while a small read is fetched fails it with ESTALE, and nothing of the new version is served', async () => {
    const oldBytes = patternBytes(4 * MiB, 41);
    const item = await f.createFile('span-version.bin', oldBytes);
    // Every answer is cut short; the retry waits long enough for a remote write.
    await f.faults({ scope: 'content', pTruncate: 1 });
    const r = f.reader({ retryBackoffMs: 1000 });
    const h = await r.open(f.versionOf(item));
    const outcome = h.read(MiB + 1000, 4 * KiB).then(
      () => 'answered',
      (err: unknown) => err,
    );
    await until(() => r.stats.retries >= 1);
    assert.equal(r.stats.spanFetches, 1);
    const written = await f.writeFile(item.id, patternBytes(oldBytes.length, 42));
    await f.faults(NO_FAULTS);
    const err = await outcome;
    assert.ok(err instanceof VersionChangedError, String(err));
    assert.equal(err.code, 'ESTALE');
    assert.equal(err.pinned, item.cTag);
    assert.equal(err.seen, written.cTag);
    assert.equal(r.stats.versionMismatches, 1);
    assert.equal(r.stats.rangeRequests, 2);
    // Once the handle knows, it fails without asking the server again.
    await assert.rejects(h.read(3 * MiB + 5, 100), { code: 'ESTALE' });
    assert.equal(r.stats.rangeRequests, 2);
    assert.equal(r.stats.spanFetches, 1);
  });

  it('resets and truncated answers to small reads are retried; the bytes are always right', async () => {
    await f.faults({ scope: 'content', pReset: 0.3, pTruncate: 0.3, seed: 9 });
    const r = f.reader({ retries: 12, retryBackoffMs: 2 });
    const h = await r.open(f.versionOf(file));
    const rand = prng(5);
    for (let i = 0; i < 30; i++) {
      const o = 1 + Math.floor(rand() * (data.length - 10 * KiB));
      const len = 1 + Math.floor(rand() * 8 * KiB);
      assert.ok((await h.read(o, len)).equals(data.subarray(o, o + len)), `read ${o}+${len}`);
    }
    assert.ok(r.stats.retries > 0, 'some attempts failed and were retried');
    assert.ok(r.stats.spanFetches > 0);
  });

  it('a server ignoring Range: a small read of a large file gets its bytes and drops the rest of the body', async () => {
    await f.faults({ pIgnoreRange: 1 });
    const r = f.reader();
    const h = await r.open(f.versionOf(huge));
    const offset = 20 * MiB + 4321;
    const got = await h.read(offset, 4 * KiB);
    await f.faults(NO_FAULTS);
    assert.ok(got.equals(await f.truth(huge.id, offset, offset + 4 * KiB)));
    assert.equal(r.stats.rangeIgnored, 1);
    assert.equal(r.stats.spanFetches, 1);
    assert.equal(r.stats.blocksFetched, 0);
    assert.ok(r.stats.bytesFetched < 22 * MiB, `${r.stats.bytesFetched}`);
  });
});
