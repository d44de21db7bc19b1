import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MiB, type Row, report } from './lib/report.js';
import { spawnEmulator } from './lib/spawn-emulator.js';

const child = fileURLToPath(new URL('./index-child.js', import.meta.url));

interface ChildResult {
  items: number;
  pages: number;
  seconds: number;
  rate: number;
  maxRssBytes: number;
  peakAnonBytes: number;
  indexBytes: number;
  listFirstMs: number;
  listWarmMedianMs: number;
  rangeReadMedianMs: number;
  listed: number;
}

/**
 * The metadata index at 10k, 100k and 1M items: initial enumeration rate from the emulator into
 * LMDB, the client's peak RSS, the index size, and the time to list a 10,000-entry folder — the
 * last must not grow with the library.
 */
export async function benchIndex(sizes: number[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const items of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'deltafs-bench-index-'));
    const em = await spawnEmulator(
      ['--items', String(items), '--wide', '10000', '--budget', '1000000000'],
      join(dir, 'tls'),
    );
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [child, JSON.stringify(em.line), join(dir, 'state')],
        {
          maxBuffer: 1 << 20,
        },
      );
      const r = JSON.parse(stdout) as ChildResult;
      const k = `${(items / 1000).toLocaleString()}k`;
      rows.push({
        metric: `${k}: enumeration rate`,
        value: r.rate,
        unit: 'items/s',
        target: '>= 50,000',
        note: `${r.items.toLocaleString()} items, ${r.pages} pages, ${r.seconds.toFixed(1)} s`,
      });
      rows.push({
        metric: `${k}: client peak RSS`,
        value: r.maxRssBytes / MiB,
        unit: 'MiB',
        target: '< 500',
        note: 'incl. mapped index pages',
      });
      rows.push({
        metric: `${k}: client peak private memory`,
        value: r.peakAnonBytes / MiB,
        unit: 'MiB',
        note: 'RssAnon, sampled every 100 ms',
      });
      rows.push({
        metric: `${k}: index on disk`,
        value: r.indexBytes / MiB,
        unit: 'MiB',
        note: `${Math.round(r.indexBytes / r.items)} B/item`,
      });
      rows.push({
        metric: `${k}: list 10,000-entry folder (first)`,
        value: r.listFirstMs,
        unit: 'ms',
        target: '< 5',
        note: 'the first listing after the round, which read big folders ahead',
      });
      rows.push({
        metric: `${k}: list 10,000-entry folder (repeated, median)`,
        value: r.listWarmMedianMs,
        unit: 'ms',
        target: '< 5',
        note: `${r.listed} entries; listing cache, checked against the folder's stamp`,
      });
      rows.push({
        metric: `${k}: range read of that folder (uncached, median)`,
        value: r.rangeReadMedianMs,
        unit: 'ms',
        note: 'what a listing pays when its folder changed and was not read ahead; median of 5',
      });
    } finally {
      await em.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  report('index', rows, { sizes, node: process.version });
  return rows;
}
