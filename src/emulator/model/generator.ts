import type { Drive } from './drive.js';
import { makeItem } from './drive.js';
import { seededItemId } from './ids.js';
import type { Content, EmItem } from './item.js';
import { foldName } from './names.js';
import { rng } from './rng.js';

export interface GenerateOptions {
  /** Items below the root (files and folders). */
  items: number;
  seed: number;
  /** Content for a generated file; bytes are derived, never stored. */
  contentFor: (itemKey: string, version: number) => Content;
  /** Adds one file of this size (for range-read benchmarks); 0 = none. */
  hugeFileBytes?: number;
  /** Adds one folder ('Wide') with this many files (listing benchmarks at every library size). */
  wideChildren?: number;
  now?: number;
}

const FOLDER_WORDS = [
  'Projects',
  'Finance',
  'HR',
  'Legal',
  'Marketing',
  'Sales',
  'Engineering',
  'Operations',
  'Contracts',
  'Invoices',
  'Reports',
  'Archive',
  'Templates',
  'Meetings',
  'Board',
  'Clients',
  'Suppliers',
  'Research',
  'Design',
  'Policies',
  'Training',
  'Budget',
  'Planning',
  'Audit',
  'Tenders',
  'Photos',
  'Café Ideas',
  'Übersicht',
  'Documentos',
  '報告',
  'Ops 🚀',
];
const FILE_WORDS = [
  'Report',
  'Invoice',
  'Minutes',
  'Budget',
  'Plan',
  'Contract',
  'Proposal',
  'Summary',
  'Notes',
  'Draft',
  'Final',
  'Review',
  'Forecast',
  'Presentation',
  'Agenda',
  'Memo',
  'Scan',
  'Offer',
  'Résumé',
  'Chart',
];
const DEEP_TRAIL = [
  'Migrated',
  'FileServer01',
  'Departments',
  'Finance',
  'Closing',
  '2019',
  'Q4',
  'Working papers',
];
const EXTS = ['docx', 'xlsx', 'pptx', 'pdf', 'txt', 'csv', 'png', 'jpg', 'md', 'zip', 'json'];

/**
 * Fills a drive with a deterministic library of `items` items: a realistic fan-out (wide near the
 * top, deep below, most folders with a few dozen entries, a few with 10k+ files) and content
 * derived from the seed. Parents always precede children in the change log.
 */
export function generateLibrary(drive: Drive, opts: GenerateOptions): void {
  const rand = rng(opts.seed);
  const now = opts.now ?? Date.UTC(2026, 9, 1);
  const idSeed = `${drive.id}:${opts.seed}`;
  const span = 3 * 365 * 86_400_000;
  let n = 0;
  const target = opts.items;

  const add = (parent: EmItem, baseName: string, folder: boolean, size = 0): EmItem => {
    let name = baseName;
    const children = parent.children!;
    for (let k = 2; children.has(foldName(name)); k++) name = withSuffix(baseName, k, folder);
    const id = seededItemId(idSeed, n++);
    const created = now - Math.floor(rand() * span);
    const content = folder ? null : opts.contentFor(id, 1);
    const item = makeItem(id, name, parent.id, folder, content, size, created, 'Generator');
    item.modifiedAt = created + Math.floor(rand() * (now - created));
    drive.bulkAdd(item, now);
    return item;
  };

  const fileSize = (): number => {
    // Log-normal around 40 KB with a long tail up to ~100 MB, as office libraries look.
    const z = Math.sqrt(-2 * Math.log(rand() || 1e-9)) * Math.cos(2 * Math.PI * rand());
    return Math.min(100 * 2 ** 20, Math.max(0, Math.round(Math.exp(10.6 + 1.6 * z))));
  };
  const fileName = (i: number): string =>
    `${FILE_WORDS[Math.floor(rand() * FILE_WORDS.length)]} ${String(i).padStart(4, '0')}.${EXTS[Math.floor(rand() * EXTS.length)]}`;

  if (opts.hugeFileBytes && target > 0) {
    const media = add(drive.root, 'Media', true);
    if (n < target) add(media, 'Town hall recording.mp4', false, opts.hugeFileBytes);
  }
  if (opts.wideChildren && n < target) {
    const wideFolder = add(drive.root, 'Wide', true);
    for (let i = 0; i < opts.wideChildren && n < target; i++)
      add(wideFolder, `Item ${String(i).padStart(6, '0')}.pdf`, false, fileSize());
  }

  // A few very wide folders (scans, exports): 10k+ children once the library is large enough.
  const wide = target >= 50_000 ? Math.max(1, Math.floor(target / 250_000)) : 0;
  if (wide > 0) {
    const archive = add(drive.root, 'Archive', true);
    for (let w = 0; w < wide && n < target; w++) {
      const folder = add(archive, `Scans ${2019 + w}`, true);
      const count = Math.min(target - n, 10_000 + Math.floor(rand() * 5_000));
      for (let i = 0; i < count; i++)
        add(folder, `Scan ${String(i).padStart(6, '0')}.pdf`, false, fileSize());
    }
    // And one deep trail (a migrated file share): the fan-out below alone can stop at 5 levels.
    let deep = archive;
    for (const name of DEEP_TRAIL) if (n < target) deep = add(deep, name, true);
    if (n < target) add(deep, fileName(0), false, fileSize());
  }

  // Breadth-first fan-out: depth decides how many subfolders, a heavy tail decides how many files.
  const queue: Array<{ folder: EmItem; depth: number }> = [{ folder: drive.root, depth: 0 }];
  let head = 0;
  while (n < target) {
    if (head >= queue.length) queue.push(queue[Math.floor(rand() * queue.length)]!);
    const { folder, depth } = queue[head++]!;
    const subMean = depth === 0 ? 12 : depth < 3 ? 5 : depth < 9 ? 2.2 : 0.3;
    const subs = Math.floor(rand() * 2 * subMean + 0.5);
    for (let s = 0; s < subs && n < target; s++) {
      const word = FOLDER_WORDS[Math.floor(rand() * FOLDER_WORDS.length)]!;
      const name = rand() < 0.3 ? `${word} ${2015 + Math.floor(rand() * 12)}` : word;
      queue.push({ folder: add(folder, name, true), depth: depth + 1 });
    }
    const files = depth === 0 ? 5 : Math.floor(-Math.log(rand() || 1e-9) * 18);
    for (let f = 0; f < files && n < target; f++) add(folder, fileName(f), false, fileSize());
  }
  drive.finishBulk();
}

function withSuffix(name: string, k: number, folder: boolean): string {
  const dot = folder ? -1 : name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${k})${name.slice(dot)}` : `${name} (${k})`;
}
