import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { foldName, type ItemChange } from '../../store/index.js';
import { D, del, file, folder, names, next, ROOT, root, type TempIndex, tempIndex, up } from './helpers.js';

/** The order the children index promises: bytewise UTF-8 of the folded name. */
function byFoldedBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(foldName(a)), Buffer.from(foldName(b)));
}

describe('path resolution', () => {
  let t: TempIndex;
  before(async () => {
    t = tempIndex();
    await t.index.applyBatch(
      D,
      [
        up(root()),
        up(folder('cafe', 'Caf\u00e9', ROOT)), // stored composed
        up(folder('resume', 'Re\u0301sume\u0301s', 'cafe')), // stored decomposed
        up(file('cv', 'CV 2024.PDF', 'resume')),
        up(folder('greek', 'ΟΔΟΣ', ROOT)),
      ],
      next(),
    );
  });
  after(() => t.dispose());

  it('resolves mixed case and either normalization form', () => {
    for (const path of [
      '/Caf\u00e9/R\u00e9sum\u00e9s/cv 2024.pdf',
      '/CAFE\u0301/re\u0301sume\u0301s/CV 2024.pdf',
      '/caf\u00c9/R\u00c9SUM\u00c9S/Cv 2024.Pdf',
      'caf\u00e9//r\u00e9sum\u00e9s/cv 2024.pdf/',
    ]) {
      assert.equal(t.index.resolvePath(D, path)?.id, 'cv', path);
    }
    assert.equal(t.index.resolvePath(D, '/οδος')?.id, 'greek');
  });

  it('keeps the display name as stored', () => {
    assert.equal(t.index.lookupChild(D, 'cafe', 'résumés')?.name, 'Re\u0301sume\u0301s');
    assert.deepEqual(names(t.index, ROOT), ['Caf\u00e9', 'ΟΔΟΣ']);
  });

  it('answers undefined for what is not there', () => {
    assert.equal(t.index.resolvePath(D, '/Cafe/Résumés'), undefined, 'e without accent is another name');
    assert.equal(t.index.resolvePath(D, '/Café/missing.txt'), undefined);
    assert.equal(t.index.resolvePath('b!unknown-drive', '/'), undefined);
    assert.equal(t.index.getItem('b!unknown-drive', 'cv'), undefined);
    assert.deepEqual(t.index.list('b!unknown-drive', ROOT), { entries: [] });
    assert.equal(t.index.lookupChild(D, ROOT, 'nope'), undefined);
    assert.deepEqual(t.index.list(D, 'no-such-folder'), { entries: [] });
  });

  it('returns listing entries with what getattr needs', () => {
    const [entry] = t.index.list(D, 'resume').entries;
    const item = t.index.getItem(D, 'cv')!;
    assert.deepEqual(entry, {
      id: 'cv',
      name: 'CV 2024.PDF',
      folded: 'cv 2024.pdf',
      isFolder: false,
      size: item.size,
      modifiedAt: item.modifiedAt,
      createdAt: item.createdAt,
    });
  });
});

describe('listing order and ranges', () => {
  let t: TempIndex;
  const tricky = [
    '😀 smile',
    '😀',
    '\uffff',
    '\uffffz',
    '\u{10ffff} last plane',
    'z',
    'Ω omega',
    '日本',
    '!bang',
    'a',
    'A b',
    '~tilde',
    'x'.repeat(200),
  ];

  before(async () => {
    t = tempIndex();
    const changes: ItemChange[] = [up(root()), up(folder('F', 'F', ROOT))];
    for (const [i, name] of tricky.entries()) changes.push(up(file(`f${i}`, name, 'F')));
    // Neighbours that must not leak into F's range: ids extending F, and items of F's parent.
    changes.push(up(folder('F2', 'F2', ROOT)), up(file('n1', '😀 neighbour', 'F2')));
    changes.push(up(folder('F\u00ff', 'Fy', ROOT)), up(file('n2', '\uffff neighbour', 'F\u00ff')));
    await t.index.applyBatch(D, changes, next());
  });
  after(() => t.dispose());

  it('lists every name, emoji and U+FFFF included, in folded byte order', () => {
    assert.deepEqual(names(t.index, 'F'), [...tricky].sort(byFoldedBytes));
    assert.equal(t.index.countChildren(D, 'F'), tricky.length);
    assert.deepEqual(names(t.index, 'F2'), ['😀 neighbour']);
  });

  it('pages with a cursor through the same order', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = t.index.list(D, 'F', { limit: 2, after: cursor });
      seen.push(...page.entries.map((e) => e.name));
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined);
    assert.deepEqual(seen, [...tricky].sort(byFoldedBytes));
    assert.equal(pages, Math.ceil(tricky.length / 2));
  });

  it('continues after a cursor whose entry was deleted meanwhile', async () => {
    const first = t.index.list(D, 'F', { limit: 3 });
    const lastId = first.entries[2].id;
    await t.index.applyBatch(D, [del(lastId)], next());
    const rest = t.index.list(D, 'F', { after: first.cursor });
    const expected = [...tricky].sort(byFoldedBytes).slice(3);
    assert.deepEqual(
      rest.entries.map((e) => e.name),
      expected,
    );
    assert.equal(rest.cursor, undefined);
  });

  it('refuses a limit that is not a positive integer', () => {
    assert.throws(() => t.index.list(D, 'F', { limit: 0 }), RangeError);
    assert.throws(() => t.index.list(D, 'F', { limit: 1.5 }), RangeError);
  });
});

describe('a folder of 10,000 children', () => {
  let t: TempIndex;
  const N = 10_000;
  const expected: string[] = [];

  before(async () => {
    t = tempIndex();
    await t.index.applyBatch(D, [up(root()), up(folder('BIG', 'Big', ROOT))], next());
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const alphabet = ['a', 'B', 'é', 'Z', '0', ' ', '😀', '日', 'ß', '-', '\uffff'];
    const used = new Set<string>();
    for (let b = 0; b < N; b += 1000) {
      const changes: ItemChange[] = [];
      for (let i = b; i < b + 1000; i++) {
        let name: string;
        do {
          name = `${Array.from({ length: 3 + Math.floor(rand() * 6) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('')}${i % 7}`;
        } while (used.has(foldName(name)) || name.trim() !== name);
        used.add(foldName(name));
        expected.push(name);
        changes.push(up(file(`c${i}`, name, 'BIG')));
      }
      await t.index.applyBatch(D, changes, next(b));
    }
    expected.sort(byFoldedBytes);
  });
  after(() => t.dispose());

  it('returns every child once, in order, across pages', () => {
    for (const limit of [1000, 333, 10_001]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = t.index.list(D, 'BIG', { limit, after: cursor });
        assert.ok(page.entries.length <= limit);
        seen.push(...page.entries.map((e) => e.name));
        cursor = page.cursor;
      } while (cursor !== undefined);
      assert.equal(seen.length, N, `limit ${limit}`);
      assert.deepEqual(seen, expected, `limit ${limit}`);
    }
    assert.equal(t.index.countChildren(D, 'BIG'), N);
  });

  it('lists the whole folder in one read', () => {
    const started = performance.now();
    const { entries, cursor } = t.index.list(D, 'BIG');
    const ms = performance.now() - started;
    assert.equal(entries.length, N);
    assert.equal(cursor, undefined);
    assert.ok(ms < 2000, `listing took ${ms} ms`);
  });
});
