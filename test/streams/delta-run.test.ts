import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { truthOf } from '../../src/emulator/routes/control.js';
import { type Index, openIndex } from '../../store/index.js';
import { runDelta } from '../../streams/delta-run.js';
import { harness } from '../graph/fixture.js';
import { diffTrees, indexTree, truthTree } from './tree.js';

/** The real index, with its applyBatch calls going through `apply` instead. */
function interceptApplyBatch(
  index: Index,
  apply: (args: Parameters<Index['applyBatch']>) => ReturnType<Index['applyBatch']>,
): Index {
  return new Proxy(index, {
    get(target, prop, receiver) {
      if (prop === 'applyBatch') return (...args: Parameters<Index['applyBatch']>) => apply(args);
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('streams: one delta round', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  let dir: string;
  before(async () => {
    h = await harness({ items: 3000, seed: 5 });
    dir = mkdtempSync(join(tmpdir(), 'deltafs-round-'));
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const truth = () => truthOf(h.emu.tenant.drive(h.emu.info.drives[0]!.id)!);
  /** Runs a test on an index of its own (under `name`), closed after it. */
  async function withIndex(name: string, use: (index: Index, driveId: string) => Promise<void>) {
    const index = openIndex(join(dir, name));
    try {
      await use(index, h.emu.info.drives[0]!.id);
    } finally {
      await index.close();
    }
  }

  it('reports pages in order, and a page that fails to commit forces a fresh enumeration', () =>
    withIndex('index', async (index, driveId) => {
      const graph = h.client();
      // The real index, except that its third batch fails inside the write (a disk error, say),
      // while the pipeline may already have queued the fourth.
      let calls = 0;
      const failing = interceptApplyBatch(index, (args) => {
        calls++;
        if (calls === 3) return Promise.reject(new Error('disk on fire'));
        return index.applyBatch(...args);
      });
      const pages: number[] = [];
      await assert.rejects(
        runDelta({
          graph,
          index: failing,
          driveId,
          top: 100,
          commitItems: 1,
          onApplied: (_a, p) => pages.push(p.pages),
        }),
        /disk on fire/,
      );
      assert.deepEqual(
        pages,
        pages.map((_, i) => i + 1),
        'reports in page order',
      );
      assert.equal(index.getDriveState(driveId)?.resyncing, true, 'the next round starts over');

      const done = await runDelta({ graph, index, driveId, top: 500 });
      assert.ok(done.done && done.enumerating);
      assert.deepEqual(diffTrees(indexTree(index, driveId), truthTree(truth())), []);
      assert.equal(index.getDriveState(driveId)?.resyncing, false);
    }));

  it('asks the configured endpoint for a link stored under another origin', () =>
    withIndex('moved', async (index, driveId) => {
      const graph = h.client();
      await runDelta({ graph, index, driveId, top: 500 });
      const link = index.getDriveState(driveId)!.deltaLink!;
      // As if the index had been built against the same service listening elsewhere before.
      const moved = new URL(link);
      moved.host = '127.0.0.1:1';
      await index.applyBatch(driveId, [], { deltaLink: moved.href });
      const drive = h.emu.tenant.drive(driveId)!;
      const file = [...drive.items.values()].find((i) => i.children === null && !i.deleted)!;
      drive.update(file.id, { name: 'Moved endpoint check.txt' });
      const done = await runDelta({ graph, index, driveId, top: 500 });
      assert.ok(done.done && !done.enumerating, 'an incremental round from the stored token');
      assert.deepEqual(diffTrees(indexTree(index, driveId), truthTree(truth())), []);
      assert.equal(new URL(index.getDriveState(driveId)!.deltaLink!).origin, new URL(link).origin);
    }));

  it('gathers pages into fewer transactions, each with the link of its last page', () =>
    withIndex('gathered', async (index, driveId) => {
      const graph = h.client();
      const links: string[] = [];
      let items = 0;
      const counting = interceptApplyBatch(index, (args) => {
        links.push('nextLink' in args[2] ? 'next' : 'delta');
        items += args[1].length;
        return index.applyBatch(...args);
      });
      const reports: number[] = [];
      const done = await runDelta({
        graph,
        index: counting,
        driveId,
        top: 100,
        commitItems: 1000,
        commitMs: 60_000,
        onApplied: (_a, p) => reports.push(p.pages),
      });
      assert.ok(done.pages >= 30, `${done.pages} pages`);
      assert.ok(
        links.length <= Math.ceil(items / 1000) + 1,
        `${links.length} commits for ${done.pages} pages`,
      );
      assert.deepEqual(links.slice(-1), ['delta']);
      assert.ok(links.slice(0, -1).every((l) => l === 'next'));
      assert.equal(reports.at(-1), done.pages, 'every page reported');
      assert.deepEqual(diffTrees(indexTree(index, driveId), truthTree(truth())), []);
      assert.equal(index.getDriveState(driveId)?.nextLink, undefined);
    }));
  it('reads the listings of big folders ahead at the end of the round', () =>
    withIndex('index-warm', async (index, driveId) => {
      await runDelta({ graph: h.client(), index, driveId, top: 500, warmMinChildren: 50 });
      const counts = new Map<string, number>();
      for (const item of truth()) {
        if (item.parentId !== null) counts.set(item.parentId, (counts.get(item.parentId) ?? 0) + 1);
      }
      const big = [...counts].filter(([, n]) => n >= 50).map(([id]) => id);
      const small = [...counts].filter(([, n]) => n < 50).map(([id]) => id);
      assert.ok(big.length > 1 && small.length > 0, `${big.length} big, ${small.length} small folders`);
      // Pages of a cached listing hand out its frozen entries; a range read builds new ones. (A
      // look counts as a use of the listing: one big folder is kept unlooked-at for later.)
      const cached = (id: string) => Object.isFrozen(index.list(driveId, id, { limit: 1 }).entries[0]);
      const [unlisted, ...listed] = big;
      for (const id of listed) assert.ok(cached(id), `folder ${id} (${counts.get(id)} children) read ahead`);
      for (const id of small) assert.ok(!cached(id), `folder ${id} (${counts.get(id)} children) left alone`);
      for (const id of listed) assert.equal(index.list(driveId, id).entries.length, counts.get(id));

      // An incremental round reads again only listings a reader used since their last read: a
      // big folder listed above and a small one listed now, not the big folder nobody looked at.
      const [smallId] = small;
      const [bigId] = listed;
      index.list(driveId, smallId!);
      const drive = h.emu.tenant.drive(driveId)!;
      for (const id of [smallId!, bigId!, unlisted!]) drive.createFolder(id, 'new here');
      await runDelta({ graph: h.client(), index, driveId, top: 500, warmMinChildren: 50 });
      assert.ok(cached(smallId!), 'the small folder listed since was read again');
      assert.ok(cached(bigId!), 'the big folder listed since was read again');
      assert.ok(!cached(unlisted!), 'the big folder nobody listed was not');
      for (const id of [smallId!, bigId!, unlisted!]) {
        assert.ok(index.list(driveId, id).entries.some((e) => e.name === 'new here'));
      }
    }));
});
