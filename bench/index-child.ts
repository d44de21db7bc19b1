import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphClient, TenantState } from '../src/graph/index.js';
import { openIndex } from '../store/index.js';
import { runDelta } from '../streams/delta-run.js';
import { emulatorTokens } from '../test/helpers/tokens.js';
import type { EmulatorLine } from './lib/spawn-emulator.js';

/**
 * Indexes one library from a running emulator in a process of its own, so the peak RSS it
 * reports is the client's alone. Prints one JSON line.
 */
async function main() {
  const [lineJson, stateDir] = process.argv.slice(2) as [string, string];
  const line = JSON.parse(lineJson) as EmulatorLine;
  const caPem = readFileSync(line.caFile, 'utf8');
  const tokens = emulatorTokens(line, caPem);
  const graph = new GraphClient({
    tenantId: line.tenantId,
    tokens,
    baseUrl: line.baseUrl,
    caPem,
    tenant: new TenantState(line.tenantId, { budget: false }),
  });
  const dir = join(stateDir, 'index');
  const index = openIndex(dir);
  const driveId = line.drives[0]!.id;
  // RSS counts the index's memory-mapped pages too (page cache the kernel can reclaim); the
  // process's own memory is RssAnon, sampled here for its peak.
  let peakAnonKb = 0;
  const sample = () => {
    const kb = Number(/RssAnon:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
    peakAnonKb = Math.max(peakAnonKb, kb);
  };
  const sampler = setInterval(sample, 100);
  const t0 = performance.now();
  const done = await runDelta({ graph, index, driveId, top: 1000 });
  clearInterval(sampler);
  sample();
  const seconds = (performance.now() - t0) / 1000;
  const state = index.getDriveState(driveId)!;

  // Listing the 10,000-entry folder as the file system does (whole). The round read the
  // listings of big folders ahead (runDelta's warmMinChildren), so the first listing after it
  // is served from the listing cache, as repeats are while the folder is unchanged (each still
  // reads the folder's stamp to know). Then one entry is changed (its size) before each of five
  // listings: the range read a listing pays when its folder changed and was not read ahead.
  const wide = index.resolvePath(driveId, '/Wide')!;
  const timeList = () => {
    const t = performance.now();
    const n = index.list(driveId, wide.id).entries.length;
    return { ms: performance.now() - t, n };
  };
  const first = timeList();
  const warm: number[] = [];
  for (let i = 0; i < 20; i++) warm.push(timeList().ms);
  warm.sort((a, b) => a - b);
  const rangeReads: number[] = [];
  const { generation: _, ...someChild } = index.getItem(
    driveId,
    index.list(driveId, wide.id).entries[0]!.id,
  )!;
  for (let i = 1; i <= 5; i++) {
    const item = { ...someChild, size: someChild.size + i };
    await index.applyBatch(driveId, [{ kind: 'upsert', item }], { deltaLink: state.deltaLink! });
    rangeReads.push(timeList().ms);
  }
  rangeReads.sort((a, b) => a - b);
  await index.close();
  await graph.close();
  await tokens.close();
  const bytes = Number(execFileSync('du', ['-sb', dir]).toString().split('\t')[0]);
  process.stdout.write(
    `${JSON.stringify({
      items: state.itemCount,
      pages: done.pages,
      seconds,
      rate: done.items / seconds,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      peakAnonBytes: peakAnonKb * 1024,
      indexBytes: bytes,
      listFirstMs: first.ms,
      listWarmMedianMs: warm[10],
      rangeReadMedianMs: rangeReads[2],
      listed: first.n,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
