import { phaseFor } from './content/index.js';
import type { Drive } from './model/drive.js';
import type { EmItem } from './model/item.js';
import { rng } from './model/rng.js';

export interface StormOptions {
  seed: number;
  /** Number of operations. */
  count: number;
  /** Who the changes are attributed to. */
  by?: string;
  /** Relative weights of the operation kinds. */
  weights?: Partial<Record<StormOp, number>>;
  /** Largest new file content written (stored bytes). */
  maxFileBytes?: number;
}

export type StormOp =
  | 'createFile'
  | 'createFolder'
  | 'edit'
  | 'rename'
  | 'caseRename'
  | 'move'
  | 'moveFolder'
  | 'delete'
  | 'deleteFolder';

const DEFAULT_WEIGHTS: Record<StormOp, number> = {
  createFile: 20,
  createFolder: 6,
  edit: 20,
  rename: 12,
  caseRename: 4,
  move: 10,
  moveFolder: 5,
  delete: 15,
  deleteFolder: 3,
};

export interface StormResult {
  applied: Record<string, number>;
  /** Operations that picked an impossible move (a folder into itself) and were skipped. */
  skipped: number;
}

/**
 * Another user's burst of activity: creates, edits, renames (case-only too), moves of files and of
 * folders with deep subtrees, and deletes, drawn from a seed so a failing convergence run replays.
 */
export function runStorm(drive: Drive, opts: StormOptions): StormResult {
  const rand = rng(opts.seed);
  const weights = { ...DEFAULT_WEIGHTS, ...opts.weights };
  const ops = Object.keys(weights) as StormOp[];
  const total = ops.reduce((s, k) => s + weights[k], 0);
  const by = opts.by ?? 'Remote User';
  const maxBytes = opts.maxFileBytes ?? 64 * 1024;
  const ids = [...drive.items.keys()];
  const applied: Record<string, number> = {};
  let skipped = 0;

  const pick = (want: 'file' | 'folder' | 'any', allowRoot = false): EmItem | undefined => {
    for (let tries = 0; tries < 50; tries++) {
      const item = drive.items.get(ids[Math.floor(rand() * ids.length)]!);
      if (!item || item.deleted) continue;
      if (item === drive.root && !allowRoot) continue;
      if (want === 'file' && item.children) continue;
      if (want === 'folder' && !item.children) continue;
      return item;
    }
    return allowRoot && want !== 'file' ? drive.root : undefined;
  };
  const name = (ext: string) => `storm ${Math.floor(rand() * 1e9).toString(36)}${ext}`;
  const bytes = () => {
    const b = Buffer.allocUnsafe(Math.floor(rand() * maxBytes));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
    return b;
  };

  for (let n = 0; n < opts.count; n++) {
    let r = rand() * total;
    const op =
      ops.find((k) => {
        r -= weights[k];
        return r < 0;
      }) ?? 'createFile';
    const done = apply(op);
    if (done) {
      applied[op] = (applied[op] ?? 0) + 1;
    } else skipped++;
  }
  return { applied, skipped };

  function apply(op: StormOp): boolean {
    switch (op) {
      case 'createFile': {
        const parent = pick('folder', true)!;
        const data = bytes();
        const { item } = drive.putFile(parent.id, name('.txt'), { kind: 'stored', data }, data.length, {
          by,
          conflict: 'rename',
        });
        ids.push(item.id);
        return true;
      }
      case 'createFolder': {
        const parent = pick('folder', true)!;
        ids.push(drive.createFolder(parent.id, name(''), { by, conflict: 'rename' }).id);
        return true;
      }
      case 'edit': {
        const file = pick('file');
        if (!file) return false;
        if (rand() < 0.5) {
          const data = bytes();
          drive.setContent(file.id, { kind: 'stored', data }, data.length, { by });
        } else {
          // Same size, new bytes: a cache keyed by size or mtime alone would serve stale data.
          drive.setContent(
            file.id,
            { kind: 'seeded', phase: phaseFor(opts.seed, file.id, file.ctagVer + 1) },
            file.size,
            { by },
          );
        }
        return true;
      }
      case 'rename': {
        const item = pick('any');
        if (!item) return false;
        drive.update(item.id, { name: name(item.children ? '' : '.txt') }, { by, conflict: 'rename' });
        return true;
      }
      case 'caseRename': {
        const item = pick('any');
        if (!item) return false;
        const flipped = [...item.name]
          .map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()))
          .join('');
        if (flipped === item.name) return false;
        drive.update(item.id, { name: flipped }, { by });
        return true;
      }
      case 'move':
      case 'moveFolder': {
        const item = pick(op === 'move' ? 'file' : 'folder');
        const dest = pick('folder', true);
        if (!item || !dest || drive.isAncestor(item, dest) || dest.id === item.parentId) return false;
        drive.update(item.id, { parentId: dest.id }, { by, conflict: 'rename' });
        return true;
      }
      case 'delete':
      case 'deleteFolder': {
        const item = pick(op === 'delete' ? 'file' : 'folder');
        if (!item) return false;
        drive.remove(item.id, { by });
        return true;
      }
    }
  }
}
