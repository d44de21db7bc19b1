import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, Pool, fetch as undiciFetch } from 'undici';
import { DELTA_SELECT } from '../streams/drive-item.js';
import { MiB, type Row, report } from './lib/report.js';
import { clientToken, spawnEmulator } from './lib/spawn-emulator.js';

/**
 * The emulator's own figures: how fast a 1M-item tenant builds and how much memory it takes,
 * how fast its delta feed can be drained, and its raw range-read throughput — the ceiling the
 * mount's reads are measured against.
 */
export async function benchEmulator(opts: { items: number; seconds: number }): Promise<Row[]> {
  const tlsDir = mkdtempSync(join(tmpdir(), 'deltafs-bench-'));
  const em = await spawnEmulator(['--items', String(opts.items), '--budget', '1000000000'], tlsDir);
  const rows: Row[] = [];
  try {
    rows.push({
      metric: `build ${opts.items.toLocaleString()}-item tenant`,
      value: em.startMs / 1000,
      unit: 's',
      target: '< 30 s',
    });
    rows.push({
      metric: 'peak RSS after build',
      value: em.peakRss() / MiB,
      unit: 'MiB',
      target: '< 1536 MiB',
    });

    const agent = new Agent({ connect: { ca: em.ca } });
    const f = ((url: string, init?: RequestInit) =>
      undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
    const token = await clientToken(em.line, f);
    const auth = { authorization: `Bearer ${token}` };
    const origin = em.line.baseUrl;
    const pool = new Pool(origin, { connect: { ca: em.ca }, connections: 8, pipelining: 1 });
    const main = em.line.drives[0]!;

    // Delta: a full enumeration, page after page, JSON parsed as a client would.
    // The properties the index asks for (streams/drive-item.ts), so the rate is the feed's ceiling.
    let url = `/v1.0/drives/${main.id}/root/delta?$top=1000&$select=${DELTA_SELECT.join(',')}`;
    let items = 0;
    let pages = 0;
    const t0 = performance.now();
    for (;;) {
      const res = await pool.request({ path: url, method: 'GET', headers: auth });
      const page = (await res.body.json()) as {
        value: unknown[];
        '@odata.nextLink'?: string;
        '@odata.deltaLink'?: string;
      };
      if (res.statusCode !== 200) throw new Error(`delta answered ${res.statusCode}`);
      items += page.value.length;
      pages++;
      const next = page['@odata.nextLink'];
      if (!next) break;
      url = next.slice(origin.length);
    }
    const deltaS = (performance.now() - t0) / 1000;
    rows.push({
      metric: 'delta full enumeration',
      value: deltaS,
      unit: 's',
      note: `${items.toLocaleString()} items in ${pages} pages`,
    });
    rows.push({ metric: 'delta enumeration rate', value: items / deltaS, unit: 'items/s' });
    rows.push({ metric: 'peak RSS after enumeration', value: em.peakRss() / MiB, unit: 'MiB' });

    // Ranges of the 1 GiB file, straight from the download URL.
    const media = (await (
      await pool.request({
        path: `/v1.0/drives/${main.id}/root:/Media:/children`,
        method: 'GET',
        headers: auth,
      })
    ).body.json()) as { value: Array<{ size: number; '@microsoft.graph.downloadUrl': string }> };
    const huge = media.value[0]!;
    const dl = new URL(huge['@microsoft.graph.downloadUrl']);
    for (const [blockMiB, parallel] of [
      [1, 1],
      [4, 1],
      [1, 4],
    ] as const) {
      const block = blockMiB * MiB;
      let bytes = 0;
      let offset = 0;
      const started = performance.now();
      const deadline = started + opts.seconds * 1000;
      const worker = async () => {
        while (performance.now() < deadline) {
          const start = offset % (huge.size - block);
          offset += block;
          const res = await pool.request({
            path: dl.pathname,
            method: 'GET',
            headers: { range: `bytes=${start}-${start + block - 1}` },
          });
          for await (const chunk of res.body) bytes += (chunk as Buffer).length;
          if (res.statusCode !== 206) throw new Error(`range answered ${res.statusCode}`);
        }
      };
      await Promise.all(Array.from({ length: parallel }, worker));
      const s = (performance.now() - started) / 1000;
      rows.push({
        metric: `range reads ${blockMiB} MiB x${parallel} in flight`,
        value: bytes / MiB / s,
        unit: 'MiB/s',
      });
    }
    await pool.close();
    await agent.close();
  } finally {
    await em.stop();
    rmSync(tlsDir, { recursive: true, force: true });
  }
  report('emulator', rows, { items: opts.items, node: process.version });
  return rows;
}
