import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { VersionChangedError } from '../../src/vfs/content/index.js';
import {
  type ContentFixture,
  type ControlItem,
  contentFixture,
  KiB,
  MiB,
  NO_FAULTS,
  patternBytes,
  until,
} from './content-fixture.js';

describe('content reader: versions and faults', () => {
  let f: ContentFixture;
  let big: ControlItem;
  let bigData: Buffer;
  let small: ControlItem;
  let smallData: Buffer;
  before(async () => {
    f = await contentFixture({ seed: 11 });
    bigData = patternBytes(12 * MiB + 3, 2);
    big = await f.createFile('twelve.bin', bigData);
    smallData = patternBytes(3 * MiB + 77, 3);
    small = await f.createFile('three.bin', smallData);
  });
  afterEach(() => f.faults(NO_FAULTS));
  after(() => f.close());

  it('after a remote write, an open handle never mixes versions and a new open reads the new bytes', async () => {
    const before = patternBytes(5 * MiB + 10, 4);
    const item = await f.createFile('changing.bin', before);
    const r = f.reader({ readAheadMax: 0 });
    const old = await r.open(f.versionOf(item));
    assert.ok((await old.read(0, MiB)).equals(before.subarray(0, MiB)));

    const afterBytes = patternBytes(before.length, 5);
    const written = await f.writeFile(item.id, afterBytes);
    assert.notEqual(written.cTag, item.cTag);

    // The cached block still belongs to the pinned version: it serves the old bytes.
    assert.ok((await old.read(100, 200)).equals(before.subarray(100, 300)));
    // An uncached block would come from the new version: the read fails, whole.
    await assert.rejects(old.read(3 * MiB, 100), (err: unknown) => {
      assert.ok(err instanceof VersionChangedError);
      assert.equal(err.code, 'ESTALE');
      assert.equal(err.pinned, item.cTag);
      assert.equal(err.seen, written.cTag);
      return true;
    });
    assert.equal(r.stats.versionMismatches, 1);
    // Straddling a cached and an uncached block: no half-old, half-new answer.
    await assert.rejects(old.read(MiB - 50, 100), { code: 'ESTALE' });
    // Once the handle knows, it fails without asking the server again.
    const fetchedBefore = r.stats.demandFetches;
    await assert.rejects(old.read(4 * MiB, 10), { code: 'ESTALE' });
    assert.equal(r.stats.demandFetches, fetchedBefore);
    assert.equal(r.stats.versionMismatches, 1);

    for (const v of [f.versionOf(written), f.versionOf(item)]) {
      // With the new version, or with the stale one the index might still hold: both pin the server's.
      const fresh = await r.open(v);
      assert.equal(fresh.version, written.cTag);
      assert.ok((await fresh.read(0, afterBytes.length)).equals(afterBytes));
    }
    assert.ok((await f.truth(item.id, 0, afterBytes.length)).equals(afterBytes));
  });

  it('a version change between two parts of one coalesced GET: the first part serves, the rest is ESTALE', async () => {
    const oldBytes = patternBytes(6 * MiB, 21);
    const item = await f.createFile('coalesced.bin', oldBytes);
    // Every answer is cut at half its length; the retry waits long enough for a remote write.
    await f.faults({ scope: 'content', pTruncate: 1 });
    const r = f.reader({ blockSize: 128 * KiB, maxRunBytes: 4 * MiB, retryBackoffMs: 1000, readAheadMax: 0 });
    const h = await r.open(f.versionOf(item));
    const outcome = h.read(0, 4 * MiB).then(
      () => 'answered',
      (err: unknown) => err,
    );
    await until(() => r.stats.retries >= 1);
    // One GET for 32 blocks; its first half arrived whole before the cut.
    assert.equal(r.stats.rangeRequests, 1);
    assert.equal(r.stats.blocksFetched, 16);
    const written = await f.writeFile(item.id, patternBytes(oldBytes.length, 22));
    await f.faults(NO_FAULTS);
    const err = await outcome;
    assert.ok(err instanceof VersionChangedError, String(err));
    assert.equal(err.seen, written.cTag);
    // The retry asked for the second half only, and dropped it unread.
    assert.equal(r.stats.rangeRequests, 2);
    assert.equal(r.stats.blocksFetched, 16);
    assert.equal(r.stats.versionMismatches, 1);
    // Blocks of the first part are the pinned version's; nothing else is served any more.
    assert.ok((await h.read(100, 2 * MiB - 200)).equals(oldBytes.subarray(100, 2 * MiB - 100)));
    await assert.rejects(h.read(2 * MiB - 10, 20), { code: 'ESTALE' });
    await assert.rejects(h.read(5 * MiB, 10), { code: 'ESTALE' });
    assert.equal(r.stats.rangeRequests, 2);
  });

  it('a download URL past its maximum age is replaced before use', async () => {
    const r = f.reader({ urlMaxAgeMs: 100, readAheadMax: 0 });
    const h = await r.open(f.versionOf(big));
    assert.ok((await h.read(0, 10)).equals(bigData.subarray(0, 10)));
    const before = r.stats.urlRefreshes;
    await sleep(150);
    assert.ok((await h.read(5 * MiB, 10)).equals(bigData.subarray(5 * MiB, 5 * MiB + 10)));
    assert.equal(r.stats.urlRefreshes, before + 1);
  });

  it('a server ignoring Range: the right bytes, the body dropped once past them; a small file is cached whole', async () => {
    await f.faults({ pIgnoreRange: 1 });
    const r = f.reader({ readAheadMax: 0, blockSize: MiB });
    const h = await r.open(f.versionOf(big));
    const offset = 9 * MiB + 5;
    // More than half of its block: read as a block.
    assert.ok((await h.read(offset, 600 * KiB)).equals(bigData.subarray(offset, offset + 600 * KiB)));
    assert.equal(r.stats.rangeIgnored, 1);
    assert.equal(r.stats.blocksFetched, 1);
    // Streamed up to the end of block 9, skipping what came before, and no further than one more chunk.
    assert.ok(r.stats.bytesFetched >= 10 * MiB, `${r.stats.bytesFetched}`);
    assert.ok(r.stats.bytesFetched < 11 * MiB, `${r.stats.bytesFetched}`);

    const s = await r.open(f.versionOf(small));
    // A small random read asks for its own bytes only; the whole file it gets is kept all the same.
    assert.ok((await s.read(MiB + 1, 10)).equals(smallData.subarray(MiB + 1, MiB + 11)));
    assert.equal(r.stats.spanFetches, 1);
    await r.idle();
    assert.equal(r.stats.rangeIgnored, 2);
    assert.equal(r.stats.blocksFetched, 1 + 4);
    const fetched = r.stats.bytesFetched;
    assert.ok((await s.read(0, smallData.length)).equals(smallData));
    assert.equal(r.stats.bytesFetched, fetched);
  });

  it('a server ignoring Range on the 1 GiB file still gives the bytes at 900 MiB', async () => {
    const huge = await f.find('Town hall recording.mp4');
    await f.faults({ pIgnoreRange: 1 });
    const r = f.reader({ readAheadMax: 0 });
    const h = await r.open(f.versionOf(huge));
    const offset = 900 * MiB + 4321;
    const got = await h.read(offset, 64 * KiB);
    await f.faults(NO_FAULTS);
    assert.ok(got.equals(await f.truth(huge.id, offset, offset + 64 * KiB)));
    assert.equal(r.stats.rangeIgnored, 1);
    assert.ok(r.stats.bytesFetched < 902 * MiB, `${r.stats.bytesFetched}`);
  });

  it('resets and truncated bodies are retried and never give a short block', async () => {
    // A fixed seed: which attempts fail no longer depends on how many requests came before.
    await f.faults({ scope: 'content', pReset: 0.2, pTruncate: 0.2, seed: 5 });
    const r = f.reader({ retries: 12, retryBackoffMs: 2, readAheadMax: 4 });
    const h = await r.open(f.versionOf(big));
    for (let off = 0; off < bigData.length; off += 128 * KiB) {
      const got = await h.read(off, 128 * KiB);
      assert.ok(got.equals(bigData.subarray(off, off + 128 * KiB)), `read at ${off}`);
    }
    await r.idle();
    assert.ok(r.stats.retries > 0, 'some attempts failed and were retried');
    // A retry asks only for the blocks the failed answer had not completed: none twice.
    assert.equal(r.stats.blocksFetched, Math.ceil(bigData.length / r.blockSize));
  });

  it('a 503 with Retry-After pauses and then succeeds', async () => {
    await f.faults({ scope: 'content', p503: 1, retryAfterSec: 0.2 });
    // Enough attempts that a slow machine cannot run out of them before the fault is lifted.
    const r = f.reader({ readAheadMax: 0, retries: 50 });
    const h = await r.open(f.versionOf(big));
    const outcome = h.read(7 * MiB, 100).then(
      (buf) => buf,
      (err: unknown) => err,
    );
    await until(() => r.stats.retries >= 1);
    const t0 = Date.now();
    await f.faults(NO_FAULTS);
    const got = await outcome;
    assert.ok(Buffer.isBuffer(got) && got.equals(bigData.subarray(7 * MiB, 7 * MiB + 100)), String(got));
    assert.ok(Date.now() - t0 < 5000);
  });

  it('closing the reader ends the reads in flight', async () => {
    const r = f.reader({ readAheadMax: 0 });
    const h = await r.open(f.versionOf(big));
    await f.faults({ scope: 'content', latencyMs: 2000 });
    const outcome = h.read(8 * MiB, 100).then(
      () => 'answered',
      (err: unknown) => err,
    );
    await sleep(50);
    const t0 = Date.now();
    await r.close();
    assert.equal(((await outcome) as { code?: string }).code, 'EBADF');
    assert.ok(Date.now() - t0 < 1500, 'did not wait for the slow answer');
    await assert.rejects(r.open(f.versionOf(big)), { code: 'EBADF' });
  });
});

describe('content reader: expiring download URLs', () => {
  let f: ContentFixture;
  before(async () => {
    f = await contentFixture({ seed: 12, behaviour: { downloadUrlTtlMs: 500 } });
  });
  after(() => f.close());

  it('an expired download URL is refreshed transparently', async () => {
    const data = patternBytes(4 * MiB + 1, 6);
    const item = await f.createFile('expiring.bin', data);
    const r = f.reader({ readAheadMax: 0 });
    const h = await r.open(f.versionOf(item));
    assert.ok((await h.read(0, 100)).equals(data.subarray(0, 100)));
    const before = r.stats.urlRefreshes;
    await sleep(700);
    assert.ok((await h.read(2 * MiB, 100)).equals(data.subarray(2 * MiB, 2 * MiB + 100)));
    assert.ok(r.stats.urlRefreshes > before, 'the refused URL was replaced');
    assert.equal(r.stats.versionMismatches, 0);
  });
});
