// Store benchmark: applies a synthetic enumeration in 1,000-item batches, then incremental
// changes and a resync, and times the reads. Prints one JSON report.
//
//   node dist/bench/store-apply.js [--items 1000000] [--batch 1000] [--no-sync] [--resync]
//     [--ordered-ids] [--dir PATH]
//
// --ordered-ids gives items ids that sort in arrival order, as Graph's never do: the difference
// to the default (scrambled ids) is what random B-tree inserts into the items table cost.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { mulberry32 as rng } from '../src/emulator/http/random.js';
import { type Index, type ItemChange, type ItemInput, openIndex } from '../store/index.js';

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '1000' },
    'no-sync': { type: 'boolean', default: false },
    resync: { type: 'boolean', default: false },
    'ordered-ids': { type: 'boolean', default: false },
    dir: { type: 'string' },
  },
});

const TOTAL = Number(args.items);
const BATCH = Number(args.batch);
const DRIVE = 'b!bench0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123';
const ROOT_ID = id(0);
const BIG_FOLDER = id(1);
const BIG_CHILDREN = Math.min(10_000, Math.floor(TOTAL / 10));

/** Graph item ids look random ('01BYE5RZ...'): a deterministic scramble of n, unique per n. */
function id(n: number): string {
  if (args['ordered-ids']) return `01${n.toString(36).toUpperCase().padStart(32, '0')}`;
  let h = Math.imul(n ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  return `01${h.toString(36).toUpperCase().padStart(7, '0')}${n.toString(36).toUpperCase().padStart(25, 'X')}`;
}

/**
 * Deterministic item n: 5% folders, the rest files. Like Graph's enumeration, items come in
 * runs of siblings (1-200 under one earlier folder), not each under a random parent.
 */
function item(n: number, folders: string[], rand: () => number, variant = 0): ItemInput {
  if (n === 0) return folderItem(n, 'root', null);
  if (n === 1) return folderItem(n, 'Big folder', ROOT_ID);
  if (run.left-- <= 0) {
    run.parentId = folders[Math.floor(rand() * folders.length)];
    run.left = Math.floor(rand() * 200);
  }
  const parentId = n < 2 + BIG_CHILDREN ? BIG_FOLDER : run.parentId;
  if (n >= 2 + BIG_CHILDREN && rand() < 0.05)
    return folderItem(n, `Folder ${n} Projekte Übersicht`, parentId);
  const t = 1_700_000_000_000 + n * 1000;
  return {
    id: id(n),
    name: `Document ${n} quarterly report v${variant}.docx`,
    parentId,
    isFolder: false,
    size: 1000 + n,
    createdAt: t,
    modifiedAt: t,
    eTag: `"{${id(n)}},${variant + 1}"`,
    cTag: `"c:{${id(n)}},${variant + 1}"`,
    quickXorHash: 'QUJDREVGR0hJSktMTU5PUFFSU1Q=',
    webUrl: `https://contoso.sharepoint.com/sites/bench/Shared%20Documents/Document%20${n}.docx`,
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  };
}

const run = { parentId: ROOT_ID, left: 0 };

function folderItem(n: number, name: string, parentId: string | null): ItemInput {
  const t = 1_700_000_000_000 + n * 1000;
  return {
    id: id(n),
    name,
    parentId,
    isFolder: true,
    size: 0,
    createdAt: t,
    modifiedAt: t,
    eTag: `"{${id(n)}},1"`,
    webUrl: `https://contoso.sharepoint.com/sites/bench/Shared%20Documents/${encodeURIComponent(name)}`,
    childCount: 0,
  };
}

/** Applies items 0..TOTAL-1 as an enumeration; returns items/s. */
async function enumerate(
  index: Index,
  variant: number,
): Promise<{
  itemsPerSec: number;
  ms: number;
  lastPageMs: number;
  eventLoopBlockMs: Record<string, number>;
}> {
  // Transaction callbacks run on the main thread: how long reads (FUSE ops) wait behind a page.
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const rand = rng(42);
  const folders = [ROOT_ID];
  run.left = 0;
  const started = performance.now();
  let last: Promise<unknown> = Promise.resolve();
  let lastPageMs = 0;
  for (let start = 0; start < TOTAL; start += BATCH) {
    const changes: ItemChange[] = [];
    for (let n = start; n < Math.min(start + BATCH, TOTAL); n++) {
      const it = item(n, folders, rand, variant);
      if (it.isFolder) folders.push(it.id);
      changes.push({ kind: 'upsert', item: it });
    }
    const end = start + BATCH >= TOTAL;
    // Like the feed: the next page is fetched while this one commits, but only one page waits.
    await last;
    const pageStarted = performance.now();
    last = index.applyBatch(
      DRIVE,
      changes,
      end ? { deltaLink: 'delta-final' } : { nextLink: `next-${start}` },
    );
    if (end) {
      await last;
      lastPageMs = performance.now() - pageStarted;
    }
  }
  await last;
  const ms = performance.now() - started;
  delay.disable();
  const blockMs = (ns: number) => round(ns / 1e6);
  return {
    eventLoopBlockMs: {
      p50: blockMs(delay.percentile(50)),
      p99: blockMs(delay.percentile(99)),
      max: blockMs(delay.max),
    },
    itemsPerSec: Math.round((TOTAL / ms) * 1000),
    ms: Math.round(ms),
    lastPageMs: Math.round(lastPageMs),
  };
}

/** Incremental rounds: 80% content edits, 10% renames, 5% moves, 5% deletes. */
async function incremental(index: Index, count: number): Promise<{ itemsPerSec: number }> {
  const rand = rng(7);
  const started = performance.now();
  for (let done = 0; done < count; done += BATCH) {
    const changes: ItemChange[] = [];
    for (let k = 0; k < BATCH; k++) {
      const n = 2 + BIG_CHILDREN + Math.floor(rand() * (TOTAL - 2 - BIG_CHILDREN));
      const cur = index.getItem(DRIVE, id(n));
      if (cur === undefined || cur.isFolder) continue;
      const { generation: _g, ...input } = cur;
      const r = rand();
      if (r < 0.8)
        changes.push({ kind: 'upsert', item: { ...input, size: input.size + 1, eTag: `${input.eTag}+` } });
      else if (r < 0.9)
        changes.push({ kind: 'upsert', item: { ...input, name: `Renamed ${n} ${done}.docx` } });
      else if (r < 0.95) changes.push({ kind: 'upsert', item: { ...input, parentId: ROOT_ID } });
      else changes.push({ kind: 'delete', id: input.id });
    }
    await index.applyBatch(DRIVE, changes, { nextLink: `inc-${done}` });
  }
  return { itemsPerSec: Math.round((count / (performance.now() - started)) * 1000) };
}

function timeReads(index: Index) {
  const rand = rng(3);
  const ids = Array.from({ length: 20_000 }, () => id(Math.floor(rand() * TOTAL)));
  let t = performance.now();
  let found = 0;
  for (const i of ids) if (index.getItem(DRIVE, i)) found++;
  const getUs = ((performance.now() - t) * 1000) / ids.length;

  const names = Array.from({ length: 20_000 }, () => {
    const n = 2 + Math.floor(rand() * BIG_CHILDREN);
    return `DOCUMENT ${n} quarterly report v0.docx`;
  });
  t = performance.now();
  for (const name of names) if (index.lookupChild(DRIVE, BIG_FOLDER, name)) found++;
  const lookupUs = ((performance.now() - t) * 1000) / names.length;

  t = performance.now();
  for (const name of names.slice(0, 5000)) index.resolvePath(DRIVE, `/big folder/${name}`);
  const resolveUs = ((performance.now() - t) * 1000) / 5000;

  const listMs: number[] = [];
  for (let r = 0; r < 10; r++) {
    t = performance.now();
    index.list(DRIVE, BIG_FOLDER);
    listMs.push(performance.now() - t);
  }
  t = performance.now();
  let pages = 0;
  let after: string | undefined;
  do {
    const page = index.list(DRIVE, BIG_FOLDER, { limit: 1000, after });
    after = page.cursor;
    pages++;
  } while (after !== undefined);
  const pagedMs = performance.now() - t;
  t = performance.now();
  const count = index.countChildren(DRIVE, BIG_FOLDER);
  const countMs = performance.now() - t;
  return {
    found,
    getItemUs: round(getUs),
    lookupChildUs: round(lookupUs),
    resolvePath2SegmentsUs: round(resolveUs),
    [`list${BIG_CHILDREN}Ms`]: round(median(listMs)),
    [`list${BIG_CHILDREN}In1000PagesMs`]: round(pagedMs),
    pages,
    [`countChildren${count}Ms`]: round(countMs),
  };
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

const round = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const base = args.dir ?? mkdtempSync(join(tmpdir(), 'deltafs-bench-store-'));
  const path = join(base, 'index');
  const index = openIndex(path, { noSync: args['no-sync'] });
  try {
    const report: Record<string, unknown> = {
      items: TOTAL,
      batch: BATCH,
      noSync: args['no-sync'],
      orderedIds: args['ordered-ids'],
      node: process.version,
    };
    report.enumerate = await enumerate(index, 0);
    report.diskBytesAfterEnumerate = dirBytes(path);
    report.state = index.getDriveState(DRIVE);
    report.reads = timeReads(index);
    report.incremental100k = await incremental(index, Math.min(100_000, TOTAL));
    if (args.resync) {
      // The usual 410: the tree barely changed, so the enumeration mostly restamps records;
      // its last page carries the sweep (lastPageMs).
      await index.beginResync(DRIVE);
      report.resyncEnumerate = await enumerate(index, 0);
      report.stateAfterResync = index.getDriveState(DRIVE);
    }
    report.diskBytes = dirBytes(path);
    report.peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    const mem = process.memoryUsage();
    report.memoryMiB = Object.fromEntries(Object.entries(mem).map(([k, v]) => [k, Math.round(v / 2 ** 20)]));
    const stats = index.env.getStats() as { pageSize: number; lastPageNumber: number };
    report.usedBytes = (stats.lastPageNumber + 1) * stats.pageSize;
    if (process.env.SMAPS) console.error(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await index.close();
    if (args.dir === undefined) rmSync(base, { recursive: true, force: true });
  }
}

await main();
