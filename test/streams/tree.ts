import type { TruthItem } from '../../src/emulator/index.js';
import type { Index } from '../../store/index.js';

export interface Node {
  id: string;
  name: string;
  parentId: string | null;
  folder: boolean;
  size: number;
  quickXorHash: string | null;
}

/** The index's tree as reached from the root through the children index, listing by listing. */
export function indexTree(index: Index, driveId: string): Map<string, Node> {
  const out = new Map<string, Node>();
  const root = index.getRoot(driveId);
  if (!root) return out;
  const stack = [root.id];
  out.set(root.id, { id: root.id, name: 'root', parentId: null, folder: true, size: 0, quickXorHash: null });
  while (stack.length) {
    const parent = stack.pop()!;
    let after: string | undefined;
    for (;;) {
      const page = index.list(driveId, parent, { limit: 1000, after });
      for (const e of page.entries) {
        const item = index.getItem(driveId, e.id)!;
        out.set(e.id, {
          id: e.id,
          name: e.name,
          parentId: parent,
          folder: e.isFolder,
          size: item.isFolder ? 0 : item.size,
          quickXorHash: item.quickXorHash ?? null,
        });
        if (e.isFolder) stack.push(e.id);
      }
      if (!page.cursor) break;
      after = page.cursor;
    }
  }
  return out;
}

export function truthTree(truth: TruthItem[]): Map<string, Node> {
  return new Map(
    truth.map((t) => [
      t.id,
      {
        id: t.id,
        name: t.parentId === null ? 'root' : t.name,
        parentId: t.parentId,
        folder: t.folder,
        size: t.folder ? 0 : t.size,
        quickXorHash: t.quickXorHash,
      },
    ]),
  );
}

/** Differences, at most `max` of them, as readable lines (empty when equal). */
export function diffTrees(index: Map<string, Node>, truth: Map<string, Node>, max = 10): string[] {
  const out: string[] = [];
  for (const [id, t] of truth) {
    const i = index.get(id);
    if (!i) out.push(`missing in index: ${JSON.stringify(t)}`);
    else if (JSON.stringify(i) !== JSON.stringify(t))
      out.push(`differs: index ${JSON.stringify(i)} truth ${JSON.stringify(t)}`);
    if (out.length >= max) return out;
  }
  for (const [id, i] of index) {
    if (!truth.has(id)) out.push(`extra in index: ${JSON.stringify(i)}`);
    if (out.length >= max) return out;
  }
  return out;
}
