import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openIndex } from '../../store/index.js';
import {
  D,
  del,
  delta,
  file,
  folder,
  names,
  next,
  ROOT,
  root,
  type TempIndex,
  tempIndex,
  up,
} from './helpers.js';

describe('listing cache', () => {
  let t: TempIndex;
  beforeEach(async () => {
    t = tempIndex({ noSync: true, listCacheEntries: 40 });
    await t.index.applyBatch(
      D,
      [
        up(root()),
        up(folder('docs', 'Docs', ROOT)),
        ...Array.from({ length: 12 }, (_, i) =>
          up(file(`f${i}`, `File ${String(i).padStart(2, '0')}.txt`, 'docs')),
        ),
      ],
      next(),
    );
  });
  afterEach(() => t.dispose());

  it('serves a repeated listing from memory, frozen, equal to a fresh read', () => {
    const first = t.index.list(D, 'docs').entries;
    const again = t.index.list(D, 'docs').entries;
    assert.equal(again.length, 12);
    assert.equal(again[0], first[0], 'the same entry objects: no second range read');
    assert.ok(Object.isFrozen(again[0]));
    again.pop();
    assert.equal(t.index.list(D, 'docs').entries.length, 12, 'callers get their own array');
  });

  it('pages the cached listing exactly as the range read does', () => {
    const paged = (): string[] => {
      const out: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = t.index.list(D, 'docs', { limit: 5, after });
        out.push(...page.entries.map((e) => e.name));
        if (!page.cursor) return out;
        after = page.cursor;
      }
    };
    const fromDisk = paged();
    t.index.list(D, 'docs');
    assert.ok(Object.isFrozen(t.index.list(D, 'docs', { limit: 5 }).entries[0]), 'served from the cache');
    assert.deepEqual(paged(), fromDisk);
    assert.deepEqual(fromDisk, names(t.index, 'docs'));
  });

  it('never serves a listing older than the index: renames, moves, edits, deletes', async () => {
    names(t.index, 'docs');
    await t.index.applyBatch(D, [up(file('f3', 'Zebra.txt', 'docs'))], next(2));
    assert.equal(names(t.index, 'docs').at(-1), 'Zebra.txt');
    await t.index.applyBatch(
      D,
      [up(folder('other', 'Other', ROOT)), up(file('f4', 'File 04.txt', 'other'))],
      next(3),
    );
    assert.ok(!names(t.index, 'docs').includes('File 04.txt'));
    assert.deepEqual(names(t.index, 'other'), ['File 04.txt']);
    await t.index.applyBatch(D, [up(file('f5', 'File 05.txt', 'docs', { size: 999 }))], next(4));
    assert.equal(t.index.list(D, 'docs').entries.find((e) => e.id === 'f5')?.size, 999);
    await t.index.applyBatch(D, [del('f6')], next(5));
    assert.ok(!t.index.list(D, 'docs').entries.some((e) => e.id === 'f6'));
  });

  it('forgets a folder that is deleted with its contents', async () => {
    assert.equal(names(t.index, 'docs').length, 12);
    await t.index.applyBatch(D, [del('docs')], delta());
    assert.deepEqual(names(t.index, 'docs'), []);
    assert.equal(t.index.getItem(D, 'f0'), undefined);
  });

  it('sees writes made through another index on the same files', async () => {
    names(t.index, 'docs');
    const other = openIndex(join(t.dir, 'index'), { noSync: true });
    await other.applyBatch(D, [up(file('f0', 'Renamed elsewhere.txt', 'docs'))], next(2));
    assert.ok(names(t.index, 'docs').includes('Renamed elsewhere.txt'));
    await other.close();
  });

  it('keeps within its bound: a folder over half of it is read each time', async () => {
    await t.index.applyBatch(
      D,
      Array.from({ length: 25 }, (_, i) => up(file(`w${i}`, `Wide ${i}`, ROOT))),
      next(2),
    );
    const wide = t.index.list(D, ROOT).entries;
    assert.equal(wide.length, 26);
    assert.ok(!Object.isFrozen(t.index.list(D, ROOT).entries[0]), 'not cached');
    t.index.list(D, 'docs');
    assert.ok(Object.isFrozen(t.index.list(D, 'docs').entries[0]), 'small folders still are');
  });
  describe('warmListings', () => {
    const cachedNow = (id: string) => {
      const entries = t.index.list(D, id, { limit: 1000 }).entries;
      return entries.length > 0 && Object.isFrozen(entries[0]);
    };

    it('reads ahead folders of at least minChildren by childCount, and no others', async () => {
      await t.index.applyBatch(
        D,
        [
          up(folder('docs', 'Docs', ROOT, { childCount: 13 })),
          up(folder('small', 'Small', ROOT, { childCount: 2 })),
          up(file('s1', 'One.txt', 'small')),
          up(file('s2', 'Two.txt', 'small')),
          up(file('f12', 'File 12.txt', 'docs')),
        ],
        delta(),
      );
      assert.equal(t.index.warmListings(D, ['docs', 'small', 'f12', 'missing'], 10), 1);
      assert.ok(cachedNow('docs'), 'the big folder is served from memory');
      assert.ok(!cachedNow('small'), 'a small folder nobody listed is left alone');
      assert.deepEqual(
        t.index.list(D, 'docs').entries.map((e) => e.name),
        names(t.index, 'docs'),
      );
      assert.equal(t.index.list(D, 'docs').entries.length, 13);
      assert.equal(t.index.warmListings(D, ['docs'], 10), 0, 'already current: nothing read');
    });

    it('re-reads a browsed folder whatever its size, and skips one that is gone', async () => {
      names(t.index, 'docs');
      await t.index.applyBatch(D, [up(file('f3', 'Zebra.txt', 'docs'))], next(2));
      assert.equal(t.index.warmListings(D, ['docs'], 1_000_000), 1);
      assert.ok(cachedNow('docs'));
      assert.equal(t.index.list(D, 'docs').entries.at(-1)?.name, 'Zebra.txt');

      await t.index.applyBatch(
        D,
        Array.from({ length: 12 }, (_, i) => del(`f${i}`)).concat([del('docs')]),
        delta(3),
      );
      assert.equal(t.index.getItem(D, 'docs'), undefined);
      assert.equal(t.index.warmListings(D, ['docs'], 0), 0);
      assert.deepEqual(t.index.list(D, 'docs').entries, []);
    });

    it('reads a listing read ahead again only once a reader has used it', async () => {
      await t.index.applyBatch(D, [up(folder('docs', 'Docs', ROOT, { childCount: 12 }))], delta());
      assert.equal(t.index.warmListings(D, ['docs'], 10), 1);
      await t.index.applyBatch(D, [up(file('f3', 'Zebra.txt', 'docs'))], delta(2));
      assert.equal(t.index.warmListings(D, ['docs'], Number.POSITIVE_INFINITY), 0, 'nobody listed it');
      assert.equal(t.index.list(D, 'docs').entries.at(-1)?.name, 'Zebra.txt');
      await t.index.applyBatch(D, [up(file('f4', 'Yak.txt', 'docs'))], delta(3));
      assert.equal(t.index.warmListings(D, ['docs'], Number.POSITIVE_INFINITY), 1, 'listed since');
      assert.ok(cachedNow('docs'));
      assert.deepEqual(
        t.index
          .list(D, 'docs')
          .entries.slice(-2)
          .map((e) => e.name),
        ['Yak.txt', 'Zebra.txt'],
      );
    });

    it('skips a folder too big for the cache', async () => {
      await t.index.applyBatch(D, [up(folder('docs', 'Docs', ROOT, { childCount: 21 }))], delta());
      assert.equal(t.index.warmListings(D, ['docs'], 10), 0, 'over half of the 40-entry cache');
      assert.ok(!cachedNow('docs'));
    });
  });
});
