// Randomized model test: a reference "server" tree is edited at random (creates, renames,
// case-only renames, moves, deletes of subtrees, content edits); each round's delta feed is
// built the way Graph may send it (latest state per item, older states and repeats earlier,
// parents included, shuffled, split into pages of random size, some descendant deletes left
// out) and applied to the index. After every round's deltaLink the index must equal the tree.
// Some rounds are cut off half-way by a 410 and followed by a resync; some pages are followed
// by a close and reopen.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 as rng } from '../../src/emulator/http/random.js';
import { foldName, type Index, type ItemChange, type ItemInput } from '../../store/index.js';
import { D, type TempIndex, tempIndex } from './helpers.js';

const ROOT = 'root';
const NAMES = [
  'a',
  'A',
  'b',
  'B.txt',
  'b.TXT',
  'Doc',
  'DOC',
  'é',
  'E\u0301',
  'Ω',
  'ω',
  '😀',
  '😀x',
  'z\uffff',
  'Σς',
];

interface Node {
  id: string;
  name: string;
  parentId: string | null;
  isFolder: boolean;
  size: number;
}

type Rand = () => number;

const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

function shuffle<T>(rand: Rand, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

function toInput(n: Node): ItemInput {
  return {
    id: n.id,
    name: n.name,
    parentId: n.parentId,
    isFolder: n.isFolder,
    size: n.size,
    createdAt: 1,
    modifiedAt: n.size,
    eTag: `"${n.id},${n.size}"`,
  };
}

class Server {
  readonly nodes = new Map<string, Node>([
    [ROOT, { id: ROOT, name: 'root', parentId: null, isFolder: true, size: 0 }],
  ]);
  /** States each item went through this round, oldest first; null = deleted. */
  history = new Map<string, (Node | null)[]>();
  /** Descendants deleted with a folder: their delete may be left out of the feed. */
  implicitDeletes = new Set<string>();
  private nextId = 1;

  constructor(private readonly rand: Rand) {}

  childrenOf(id: string): Node[] {
    return [...this.nodes.values()].filter((n) => n.parentId === id);
  }

  nameFree(parentId: string, name: string, self?: string): boolean {
    const f = foldName(name);
    return this.childrenOf(parentId).every((n) => n.id === self || foldName(n.name) !== f);
  }

  folders(): Node[] {
    return [...this.nodes.values()].filter((n) => n.isFolder);
  }

  isInside(id: string, ancestor: string): boolean {
    for (let cur: string | null = id; cur !== null; cur = this.nodes.get(cur)!.parentId) {
      if (cur === ancestor) return true;
    }
    return false;
  }

  private record(id: string): void {
    const n = this.nodes.get(id);
    const states = this.history.get(id) ?? [];
    states.push(n === undefined ? null : { ...n });
    this.history.set(id, states);
  }

  /** One random edit; returns false when the chosen edit was not possible. */
  edit(): boolean {
    const r = this.rand;
    const items = [...this.nodes.values()].filter((n) => n.id !== ROOT);
    const op = r();
    if (op < 0.35 || items.length === 0) {
      const parent = pick(r, this.folders());
      const name = pick(r, NAMES);
      if (!this.nameFree(parent.id, name)) return false;
      const id = `i${this.nextId++}`;
      this.nodes.set(id, { id, name, parentId: parent.id, isFolder: r() < 0.4, size: 0 });
      this.record(id);
      return true;
    }
    const n = pick(r, items);
    if (op < 0.55) {
      const name = r() < 0.3 ? swapCase(n.name) : pick(r, NAMES);
      if (name === n.name || !this.nameFree(n.parentId!, name, n.id)) return false;
      n.name = name;
    } else if (op < 0.7) {
      const target = pick(r, this.folders());
      if (target.id === n.parentId || this.isInside(target.id, n.id) || !this.nameFree(target.id, n.name))
        return false;
      n.parentId = target.id;
    } else if (op < 0.85) {
      const doomed = [n.id];
      for (let i = 0; i < doomed.length; i++) doomed.push(...this.childrenOf(doomed[i]).map((c) => c.id));
      for (const id of doomed) {
        this.nodes.delete(id);
        this.record(id);
        if (id !== n.id) this.implicitDeletes.add(id);
      }
      return true;
    } else {
      if (n.isFolder) return false;
      n.size += 1;
    }
    this.record(n.id);
    return true;
  }

  /** The round's feed, already split into pages. */
  feed(): ItemChange[][] {
    const r = this.rand;
    type Entry = { id: string; change: ItemChange; final: boolean };
    const entries: Entry[] = [];
    for (const [id, states] of this.history) {
      const last = states[states.length - 1];
      // Graph may report only the deleted folder, not each descendant. Only descendants that did
      // not change otherwise this round: the client cannot learn about a move it was never sent.
      if (last === null && states.length === 1 && this.implicitDeletes.has(id) && r() < 0.5) continue;
      entries.push({
        id,
        final: true,
        change: last === null ? { kind: 'delete', id } : { kind: 'upsert', item: toInput(last) },
      });
      // Older states and plain repeats, which must lose to the final one.
      for (const old of states.slice(0, -1)) {
        if (r() < 0.5) {
          entries.push({
            id,
            final: false,
            change: old === null ? { kind: 'delete', id } : { kind: 'upsert', item: toInput(old) },
          });
        }
      }
      if (r() < 0.2) entries.push({ id, final: false, change: entries[entries.length - 1].change });
      // Graph includes the parents of changed items.
      const parentId = last?.parentId;
      if (parentId != null && r() < 0.5) {
        const parent = this.nodes.get(parentId)!;
        entries.push({ id: parentId, final: false, change: { kind: 'upsert', item: toInput(parent) } });
      }
    }
    if (r() < 0.3)
      entries.push({
        id: ROOT,
        final: false,
        change: { kind: 'upsert', item: toInput(this.nodes.get(ROOT)!) },
      });
    shuffle(r, entries);
    // The final state of each id goes last among that id's entries.
    const lastAt = new Map<string, number>();
    for (const [i, e] of entries.entries()) lastAt.set(e.id, i);
    entries.forEach((e, i) => {
      const j = lastAt.get(e.id)!;
      if (e.final && i < j) [entries[i], entries[j]] = [entries[j], entries[i]];
    });
    this.history = new Map();
    this.implicitDeletes = new Set();
    return paginate(
      r,
      entries.map((e) => e.change),
    );
  }

  /** A full enumeration of the current tree, as after a 410. */
  enumeration(): ItemChange[][] {
    this.history = new Map();
    this.implicitDeletes = new Set();
    const all = [...this.nodes.values()].map((n): ItemChange => ({ kind: 'upsert', item: toInput(n) }));
    return paginate(this.rand, shuffle(this.rand, all));
  }
}

function swapCase(s: string): string {
  return [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

function paginate(rand: Rand, changes: ItemChange[]): ItemChange[][] {
  const pages: ItemChange[][] = [];
  let i = 0;
  do {
    const size = Math.floor(rand() * 8); // empty pages happen
    pages.push(changes.slice(i, i + size));
    i += size;
  } while (i < changes.length);
  return pages;
}

function assertSameTree(index: Index, server: Server, where: string): void {
  const state = index.getDriveState(D)!;
  assert.equal(state.rootId, ROOT, where);
  assert.equal(state.resyncing, false, where);
  assert.deepEqual(index.pendingDeletes(D), [], `${where}: pending deletes left`);
  const folders = server.folders();
  assert.equal(state.itemCount, server.nodes.size, `${where}: itemCount`);
  assert.equal(state.folderCount, folders.length, `${where}: folderCount`);
  for (const n of server.nodes.values()) {
    const got = index.getItem(D, n.id);
    assert.ok(got, `${where}: ${n.id} missing`);
    assert.deepEqual(
      { name: got.name, parentId: got.parentId, isFolder: got.isFolder, size: got.size },
      { name: n.name, parentId: n.parentId, isFolder: n.isFolder, size: n.size },
      `${where}: ${n.id}`,
    );
  }
  let reachable = 1;
  for (const f of folders) {
    const expected = server
      .childrenOf(f.id)
      .sort((a, b) => Buffer.compare(Buffer.from(foldName(a.name)), Buffer.from(foldName(b.name))))
      .map((n) => [n.id, n.name]);
    const listed = index.list(D, f.id).entries.map((e) => [e.id, e.name]);
    assert.deepEqual(listed, expected, `${where}: listing of ${f.id}`);
    reachable += listed.length;
    for (const n of server.childrenOf(f.id)) {
      assert.equal(index.lookupChild(D, f.id, swapCase(n.name))?.id, n.id, `${where}: lookup ${n.name}`);
    }
  }
  assert.equal(reachable, server.nodes.size, `${where}: reachable items`);
  const collisions = index.env.openDB('collisions', {});
  assert.equal(collisions.getCount(), 0, `${where}: collisions left`);
  assert.equal(state.collisions, 0, `${where}: collision count`);
}

async function runModel(seed: number, rounds: number): Promise<void> {
  const rand = rng(seed);
  const server = new Server(rand);
  const t: TempIndex = tempIndex();
  try {
    let index = t.index;
    const applyPages = async (pages: ItemChange[][], round: number, stopAfter = pages.length) => {
      for (let p = 0; p < stopAfter; p++) {
        const last = p === pages.length - 1;
        await index.applyBatch(
          D,
          pages[p],
          last ? { deltaLink: `delta-${round}` } : { nextLink: `next-${round}-${p}` },
        );
        const displaced = index.env.openDB('collisions', {}).getCount();
        assert.equal(
          index.getDriveState(D)!.collisions,
          displaced,
          `seed ${seed} round ${round}: collision count`,
        );
        if (rand() < 0.05) index = await t.reopen();
      }
    };
    for (let i = 0; i < 25; i++) server.edit();
    await applyPages(server.enumeration(), 0);
    assertSameTree(index, server, `seed ${seed} initial`);

    for (let round = 1; round <= rounds; round++) {
      const edits = 1 + Math.floor(rand() * 25);
      for (let i = 0; i < edits; i++) server.edit();
      const pages = server.feed();
      if (rand() < 0.12 && pages.length > 1) {
        // The feed breaks off with a 410 part-way; a full enumeration follows.
        await applyPages(pages, round, Math.floor(rand() * pages.length));
        await index.beginResync(D, { nextLink: `location-${round}` });
        await applyPages(server.enumeration(), round);
      } else {
        await applyPages(pages, round);
      }
      assertSameTree(index, server, `seed ${seed} round ${round}`);
    }
  } finally {
    await t.dispose();
  }
}

describe('randomized model', () => {
  const seeds = Number(process.env.STORE_MODEL_SEEDS ?? 40);
  it(`converges to the server tree after every round (${seeds} seeds)`, async () => {
    for (let seed = 1; seed <= seeds; seed++) await runModel(seed, 20);
  });
});
