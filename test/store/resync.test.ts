import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
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

describe('resync', () => {
  let t: TempIndex;
  const A = folder('A', 'A', ROOT);
  const B = file('B', 'B.txt', ROOT);
  const C = folder('C', 'C', ROOT);
  const c1 = file('c1', 'c1.txt', 'C');
  const c2 = file('c2', 'c2.txt', 'C');

  beforeEach(async () => {
    t = tempIndex();
    await t.index.applyBatch(D, [up(root()), up(A), up(B), up(C), up(c1), up(c2)], delta(1));
  });
  afterEach(() => t.dispose());

  it('sweeps what the enumeration did not see, keeps what it saw, serves listings meanwhile', async () => {
    const state = await t.index.beginResync(D, { nextLink: 'https://graph.test/location' });
    assert.equal(state.generation, 2);
    assert.equal(state.resyncing, true);
    assert.equal(state.deltaLink, undefined);
    assert.equal(state.nextLink, 'https://graph.test/location');
    assert.deepEqual(names(t.index, ROOT), ['A', 'B.txt', 'C']);

    await t.index.applyBatch(D, [up(c1), up(root()), up(C)], next(1));
    assert.deepEqual(names(t.index, ROOT), ['A', 'B.txt', 'C'], 'unseen items still listed');
    assert.deepEqual(names(t.index, 'C'), ['c1.txt', 'c2.txt']);
    assert.equal(t.index.getItem(D, 'c1')?.generation, 2);
    assert.equal(t.index.getItem(D, 'B')?.generation, 1);

    const applied = await t.index.applyBatch(D, [up(A), up(file('new', 'new.txt', 'A'))], delta(2));
    assert.deepEqual(applied.deleted.sort(), ['B', 'c2']);
    assert.deepEqual(names(t.index, ROOT), ['A', 'C']);
    assert.deepEqual(names(t.index, 'C'), ['c1.txt']);
    assert.deepEqual(names(t.index, 'A'), ['new.txt']);
    const after = t.index.getDriveState(D)!;
    assert.equal(after.resyncing, false);
    assert.equal(after.deltaLink, delta(2).deltaLink);
    assert.equal(after.itemCount, 5);
    assert.equal(after.folderCount, 3);
    for (const id of [ROOT, 'A', 'C', 'c1', 'new']) assert.equal(t.index.getItem(D, id)?.generation, 2, id);
  });

  it('re-keys items renamed or moved while the feed was lost', async () => {
    await t.index.beginResync(D);
    await t.index.applyBatch(
      D,
      [up(root()), up(A), up(C), up({ ...c1, name: 'renamed.txt' }), up({ ...c2, parentId: 'A' }), up(B)],
      delta(2),
    );
    assert.deepEqual(names(t.index, 'C'), ['renamed.txt']);
    assert.deepEqual(names(t.index, 'A'), ['c2.txt']);
    assert.equal(t.index.lookupChild(D, 'C', 'c1.txt'), undefined);
  });

  it('removes a whole unseen subtree', async () => {
    await t.index.beginResync(D);
    const applied = await t.index.applyBatch(D, [up(root()), up(A), up(B)], delta(2));
    assert.deepEqual(applied.deleted.sort(), ['C', 'c1', 'c2']);
    assert.deepEqual(names(t.index, ROOT), ['A', 'B.txt']);
    assert.equal(t.index.countChildren(D, 'C'), 0);
  });

  it('resumes after a crash in the middle of the enumeration', async () => {
    await t.index.beginResync(D);
    await t.index.applyBatch(D, [up(root()), up(A)], next(1));
    const index = await t.reopen();
    const state = index.getDriveState(D)!;
    assert.equal(state.resyncing, true);
    assert.equal(state.generation, 2);
    assert.equal(state.nextLink, next(1).nextLink);
    await index.applyBatch(D, [up(C), up(c1)], delta(2));
    assert.deepEqual(names(index, ROOT), ['A', 'C']);
    assert.deepEqual(names(index, 'C'), ['c1.txt']);
  });

  it('finishes on request and is a no-op when no resync is running', async () => {
    assert.deepEqual((await t.index.finishResync(D)).deleted, []);
    await t.index.beginResync(D);
    await t.index.applyBatch(D, [up(root()), up(C), up(c1), up(c2)], next(1));
    const applied = await t.index.finishResync(D);
    assert.deepEqual(applied.deleted.sort(), ['A', 'B']);
    assert.equal(t.index.getDriveState(D)?.resyncing, false);
  });

  it('completes pending folder deletes during the sweep', async () => {
    await t.index.applyBatch(D, [del('C')], next(2));
    assert.deepEqual(t.index.pendingDeletes(D), ['C']);
    await t.index.beginResync(D);
    await t.index.applyBatch(D, [up(root()), up(A), up(B)], delta(3));
    assert.deepEqual(t.index.pendingDeletes(D), []);
    assert.equal(t.index.getItem(D, 'C'), undefined);
  });
});
