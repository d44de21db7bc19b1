import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { InvalidChangeError } from '../../store/index.js';
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

describe('applyBatch', () => {
  let t: TempIndex;
  beforeEach(async () => {
    t = tempIndex();
    await t.index.applyBatch(D, [up(root())], next(0));
  });
  afterEach(() => t.dispose());

  it('records the root and keeps it out of the children index', () => {
    assert.equal(t.index.getDriveState(D)?.rootId, ROOT);
    assert.equal(t.index.getRoot(D)?.id, ROOT);
    assert.equal(t.index.resolvePath(D, '/')?.id, ROOT);
    assert.deepEqual(t.index.drives(), [D]);
  });

  it('lets the last occurrence of an id win', async () => {
    const applied = await t.index.applyBatch(
      D,
      [
        up(file('a', 'first.txt', ROOT)),
        up(file('b', 'b.txt', ROOT)),
        up(file('a', 'second.txt', ROOT, { size: 7 })),
        del('b'),
        del('c'),
        up(file('c', 'c.txt', ROOT)),
        up(file('d', 'd.txt', ROOT)),
        del('d'),
      ],
      next(),
    );
    assert.deepEqual(names(t.index, ROOT), ['c.txt', 'second.txt']);
    assert.equal(t.index.getItem(D, 'a')?.size, 7);
    assert.equal(t.index.getItem(D, 'b'), undefined);
    assert.equal(t.index.getItem(D, 'd'), undefined);
    assert.deepEqual(applied.upserted.sort(), ['a', 'c']);
    assert.deepEqual(applied.deleted, []);
    assert.equal(t.index.getDriveState(D)?.itemCount, 3);
  });

  it('stores a child that arrives before its parent and links it when the parent comes', async () => {
    await t.index.applyBatch(D, [up(file('f1', 'Deep.txt', 'F')), up(folder('G', 'G', 'F'))], next(1));
    assert.equal(t.index.getItem(D, 'f1')?.parentId, 'F');
    assert.deepEqual(names(t.index, 'F'), ['Deep.txt', 'G']);
    assert.equal(t.index.resolvePath(D, '/Folder/deep.txt'), undefined);

    await t.index.applyBatch(D, [up(folder('F', 'Folder', ROOT))], next(2));
    assert.equal(t.index.resolvePath(D, '/folder/DEEP.TXT')?.id, 'f1');

    // Within one batch the order does not matter either.
    await t.index.applyBatch(D, [up(file('x', 'x.txt', 'H')), up(folder('H', 'H', 'G'))], next(3));
    assert.equal(t.index.resolvePath(D, '/Folder/G/H/x.txt')?.id, 'x');
  });

  it('renames by re-keying the children entry', async () => {
    await t.index.applyBatch(D, [up(file('a', 'Old.txt', ROOT))], next());
    const applied = await t.index.applyBatch(D, [up(file('a', 'New.txt', ROOT))], next());
    assert.equal(t.index.lookupChild(D, ROOT, 'old.txt'), undefined);
    assert.equal(t.index.lookupChild(D, ROOT, 'new.TXT')?.id, 'a');
    assert.deepEqual(applied.moved, ['a']);
    assert.deepEqual(applied.parents, [ROOT]);
    assert.equal(t.index.countChildren(D, ROOT), 1);
  });

  it('moves across folders', async () => {
    await t.index.applyBatch(
      D,
      [up(folder('A', 'A', ROOT)), up(folder('B', 'B', ROOT)), up(file('f', 'f.txt', 'A'))],
      next(),
    );
    const applied = await t.index.applyBatch(D, [up(file('f', 'g.txt', 'B'))], next());
    assert.deepEqual(names(t.index, 'A'), []);
    assert.deepEqual(names(t.index, 'B'), ['g.txt']);
    assert.equal(t.index.resolvePath(D, '/b/G.TXT')?.id, 'f');
    assert.deepEqual(applied.moved, ['f']);
    assert.deepEqual(applied.parents.sort(), ['A', 'B']);
  });

  it('moves a folder with its subtree by rewriting one entry', async () => {
    await t.index.applyBatch(
      D,
      [
        up(folder('A', 'A', ROOT)),
        up(folder('B', 'B', ROOT)),
        up(folder('S', 'Sub', 'A')),
        up(file('f', 'f', 'S')),
      ],
      next(),
    );
    const applied = await t.index.applyBatch(D, [up(folder('S', 'Sub', 'B'))], next());
    assert.equal(t.index.resolvePath(D, '/B/Sub/f')?.id, 'f');
    assert.equal(t.index.resolvePath(D, '/A/Sub/f'), undefined);
    assert.deepEqual(applied.upserted, ['S']);
  });

  it('applies a case-only rename', async () => {
    await t.index.applyBatch(D, [up(file('a', 'report.docx', ROOT))], next());
    const applied = await t.index.applyBatch(D, [up(file('a', 'Report.DOCX', ROOT))], next());
    assert.deepEqual(names(t.index, ROOT), ['Report.DOCX']);
    assert.equal(t.index.lookupChild(D, ROOT, 'REPORT.docx')?.name, 'Report.DOCX');
    assert.equal(t.index.getItem(D, 'a')?.name, 'Report.DOCX');
    assert.equal(t.index.countChildren(D, ROOT), 1);
    assert.deepEqual(applied.moved, ['a']);
  });

  it('updates the listing entry when size or times change', async () => {
    await t.index.applyBatch(D, [up(file('a', 'a.bin', ROOT, { size: 1 }))], next());
    const applied = await t.index.applyBatch(
      D,
      [up(file('a', 'a.bin', ROOT, { size: 2, eTag: '"a,2"' }))],
      next(),
    );
    assert.equal(t.index.list(D, ROOT).entries[0].size, 2);
    assert.deepEqual(applied.parents, [ROOT]);
    assert.deepEqual(applied.moved, []);
  });

  it('does not report an unchanged repeat', async () => {
    const a = file('a', 'a.txt', ROOT);
    await t.index.applyBatch(D, [up(a)], next());
    const applied = await t.index.applyBatch(D, [up(a), up(root())], next());
    assert.deepEqual(applied, { driveId: D, upserted: [], deleted: [], moved: [], parents: [] });
  });

  it('ignores the delete of an unknown id', async () => {
    const applied = await t.index.applyBatch(D, [del('never-seen')], next());
    assert.deepEqual(applied.deleted, []);
    assert.deepEqual(t.index.pendingDeletes(D), []);
    assert.equal(t.index.getDriveState(D)?.itemCount, 1);
  });

  it('deletes files and empty folders at once', async () => {
    await t.index.applyBatch(D, [up(folder('E', 'Empty', ROOT)), up(file('f', 'f', ROOT))], next());
    const applied = await t.index.applyBatch(D, [del('E'), del('f')], next());
    assert.deepEqual(applied.deleted.sort(), ['E', 'f']);
    assert.deepEqual(names(t.index, ROOT), []);
    assert.deepEqual(t.index.getDriveState(D), {
      ...t.index.getDriveState(D),
      itemCount: 1,
      folderCount: 1,
    });
  });

  it('deletes a folder in the same batch once its children are deleted, in any order', async () => {
    await t.index.applyBatch(
      D,
      [up(folder('F', 'F', ROOT)), up(file('a', 'a', 'F')), up(file('b', 'b', 'F'))],
      next(),
    );
    const applied = await t.index.applyBatch(D, [del('a'), del('F'), del('b')], next());
    assert.deepEqual(applied.deleted.sort(), ['F', 'a', 'b']);
    assert.deepEqual(t.index.pendingDeletes(D), []);
  });

  it('defers a folder delete until its children are deleted in later batches', async () => {
    await t.index.applyBatch(
      D,
      [
        up(folder('F', 'F', ROOT)),
        up(folder('G', 'G', 'F')),
        up(file('a', 'a', 'F')),
        up(file('b', 'b', 'G')),
      ],
      next(),
    );
    let applied = await t.index.applyBatch(D, [del('F'), del('G')], next());
    assert.deepEqual(applied.deleted, []);
    assert.deepEqual(t.index.pendingDeletes(D).sort(), ['F', 'G']);
    assert.equal(t.index.resolvePath(D, '/F/G/b')?.id, 'b', 'pending folders stay visible');

    // Survives a restart: the pending set is persisted.
    await t.reopen();
    applied = await t.index.applyBatch(D, [del('a')], next());
    assert.deepEqual(applied.deleted, ['a']);
    assert.deepEqual(t.index.pendingDeletes(D).sort(), ['F', 'G']);

    applied = await t.index.applyBatch(D, [del('b')], next());
    assert.deepEqual(applied.deleted.sort(), ['F', 'G', 'b']);
    assert.deepEqual(t.index.pendingDeletes(D), []);
    assert.deepEqual(names(t.index, ROOT), []);
    assert.equal(t.index.getDriveState(D)?.itemCount, 1);
  });

  it('completes a deferred folder delete when its children move out', async () => {
    await t.index.applyBatch(D, [up(folder('F', 'F', ROOT)), up(file('a', 'a', 'F'))], next());
    await t.index.applyBatch(D, [del('F')], next());
    const applied = await t.index.applyBatch(D, [up(file('a', 'a', ROOT))], next());
    assert.deepEqual(applied.deleted, ['F']);
    assert.deepEqual(names(t.index, ROOT), ['a']);
  });

  it('cancels a deferred folder delete when the folder comes back', async () => {
    await t.index.applyBatch(D, [up(folder('F', 'F', ROOT)), up(file('a', 'a', 'F'))], next());
    await t.index.applyBatch(D, [del('F')], next());
    await t.index.applyBatch(D, [up(folder('F', 'F restored', ROOT))], next());
    assert.deepEqual(t.index.pendingDeletes(D), []);
    await t.index.applyBatch(D, [del('a')], delta());
    assert.equal(t.index.resolvePath(D, '/f restored')?.id, 'F');
  });

  it('removes what is left under a deleted folder when the deltaLink arrives', async () => {
    await t.index.applyBatch(
      D,
      [
        up(folder('F', 'F', ROOT)),
        up(folder('G', 'G', 'F')),
        up(file('a', 'a', 'G')),
        up(file('b', 'b', 'F')),
      ],
      next(),
    );
    await t.index.applyBatch(D, [del('F')], next());
    assert.deepEqual(t.index.pendingDeletes(D), ['F']);
    const applied = await t.index.applyBatch(D, [], delta());
    assert.deepEqual(applied.deleted.sort(), ['F', 'G', 'a', 'b']);
    assert.deepEqual(t.index.pendingDeletes(D), []);
    assert.equal(t.index.getDriveState(D)?.itemCount, 1);
    assert.equal(t.index.getDriveState(D)?.folderCount, 1);
  });

  it('commits the page link with the batch and resumes from it after reopening', async () => {
    await t.index.applyBatch(D, [up(file('a', 'a', ROOT))], { nextLink: 'https://graph.test/next-1' });
    let index = await t.reopen();
    assert.equal(index.getDriveState(D)?.nextLink, 'https://graph.test/next-1');
    assert.equal(index.getItem(D, 'a')?.name, 'a');

    await index.applyBatch(D, [up(file('b', 'b', ROOT))], { deltaLink: 'https://graph.test/delta-1' });
    index = await t.reopen();
    const state = index.getDriveState(D)!;
    assert.equal(state.deltaLink, 'https://graph.test/delta-1');
    assert.equal(state.nextLink, undefined);
    assert.equal(typeof state.lastSyncAt, 'number');
    assert.deepEqual(names(index, ROOT), ['a', 'b']);
    assert.equal(state.itemCount, 3);
  });

  it('refuses malformed input before writing anything', async () => {
    const before = t.index.getDriveState(D);
    await assert.rejects(
      () => t.index.applyBatch(D, [up(file('ok', 'ok', ROOT)), up(file('bad', '', ROOT))], next(9)),
      InvalidChangeError,
    );
    await assert.rejects(() => t.index.applyBatch(D, [], {} as never), InvalidChangeError);
    await assert.rejects(
      () => t.index.applyBatch(D, [up(file('long', 'x'.repeat(3000), ROOT))], next(9)),
      /too long/,
    );
    assert.equal(t.index.getItem(D, 'ok'), undefined);
    assert.deepEqual(t.index.getDriveState(D), before);
  });

  it('keeps drives apart, even when one drive id is a prefix of another', async () => {
    const other = `${D}x`;
    await t.index.applyBatch(
      other,
      [up(folder(ROOT, 'root', null)), up(file('a', 'other.txt', ROOT))],
      next(),
    );
    await t.index.applyBatch(D, [up(file('a', 'mine.txt', ROOT))], next());
    assert.deepEqual(names(t.index, ROOT), ['mine.txt']);
    assert.deepEqual(names(t.index, ROOT, other), ['other.txt']);
    assert.deepEqual(t.index.drives().sort(), [D, other].sort());
    await t.index.removeDrive(other);
    assert.deepEqual(t.index.drives(), [D]);
    assert.equal(t.index.getItem(other, 'a'), undefined);
    assert.equal(t.index.getItem(D, 'a')?.name, 'mine.txt');
  });
});

describe('name collisions within a feed', () => {
  let t: TempIndex;
  beforeEach(async () => {
    t = tempIndex();
    await t.index.applyBatch(
      D,
      [up(root()), up(file('A', 'x.txt', ROOT)), up(folder('P', 'P', ROOT))],
      next(0),
    );
  });
  afterEach(() => t.dispose());

  it('gives the key to the later item and lists the earlier again once it is renamed', async () => {
    // Server: A renamed x.txt -> y.txt, then B created as X.TXT; the feed sends B first.
    await t.index.applyBatch(D, [up(file('B', 'X.TXT', ROOT))], next());
    assert.equal(t.index.lookupChild(D, ROOT, 'x.txt')?.id, 'B');
    assert.deepEqual(names(t.index, ROOT), ['P', 'X.TXT']);
    assert.equal(t.index.getItem(D, 'A')?.name, 'x.txt', 'the displaced item is kept');
    assert.equal(t.index.getDriveState(D)?.collisions, 1);

    await t.index.applyBatch(D, [up(file('A', 'y.txt', ROOT))], delta());
    assert.deepEqual(names(t.index, ROOT), ['P', 'X.TXT', 'y.txt']);
    assert.equal(t.index.getDriveState(D)?.collisions, 0);
  });

  it('drops the displaced item cleanly when it is deleted', async () => {
    await t.index.applyBatch(D, [up(file('B', 'x.txt', ROOT))], next());
    await t.index.applyBatch(D, [del('A')], delta());
    assert.deepEqual(names(t.index, ROOT), ['P', 'x.txt']);
    assert.equal(t.index.lookupChild(D, ROOT, 'X.txt')?.id, 'B');
  });

  it('promotes the displaced item when the owner leaves the name', async () => {
    // Feed order: B (stale name x.txt) arrives, then its later move away.
    await t.index.applyBatch(D, [up(file('B', 'x.txt', ROOT))], next());
    await t.index.applyBatch(D, [up(file('B', 'x.txt', 'P'))], next());
    assert.equal(t.index.lookupChild(D, ROOT, 'x.txt')?.id, 'A');
    assert.equal(t.index.lookupChild(D, 'P', 'x.txt')?.id, 'B');

    // And again with a delete of the owner.
    await t.index.applyBatch(D, [up(file('C', 'X.txt', ROOT))], next());
    assert.equal(t.index.lookupChild(D, ROOT, 'x.txt')?.id, 'C');
    const applied = await t.index.applyBatch(D, [del('C')], next());
    assert.equal(t.index.lookupChild(D, ROOT, 'x.txt')?.id, 'A');
    assert.deepEqual(applied.parents, [ROOT]);
    assert.equal(t.index.getDriveState(D)?.collisions, 0);
  });

  it('handles a displaced item that moves away before the owner leaves', async () => {
    await t.index.applyBatch(D, [up(file('B', 'x.txt', ROOT))], next());
    await t.index.applyBatch(D, [up(file('A', 'x.txt', 'P'))], next());
    assert.equal(t.index.getDriveState(D)?.collisions, 0);
    await t.index.applyBatch(D, [del('B')], next());
    assert.deepEqual(names(t.index, ROOT), ['P']);
    assert.deepEqual(names(t.index, 'P'), ['x.txt']);
  });

  it('keeps a folder with only displaced children pending until they go', async () => {
    await t.index.applyBatch(D, [up(file('c1', 'n', 'P')), up(file('c2', 'N', 'P'))], next());
    await t.index.applyBatch(D, [del('P'), del('c2')], next());
    assert.deepEqual(t.index.pendingDeletes(D), ['P']);
    assert.equal(t.index.lookupChild(D, 'P', 'n')?.id, 'c1');
    await t.index.applyBatch(D, [del('c1')], next());
    assert.equal(t.index.getItem(D, 'P'), undefined);
  });
});
