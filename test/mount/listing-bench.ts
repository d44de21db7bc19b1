// Measurements behind the kernel cache settings in mount/options.ts. Not part of `npm test`
// (it takes a minute): `npm run build && node dist/test/mount/listing-bench.js`.
// Prints `ls -l` of a 10,000-entry folder, cold and warm, for attr/entry timeouts of 0.1, 1 and
// 5 s; getattr/s through the kernel and in process; sequential dd throughput of a 1 GiB file;
// first-byte latency of 4 KiB reads at random offsets.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { mount } from '../../mount/index.js';
import { world } from '../vfs/namespace-fixture.js';
import { fuseUnavailable, out, run } from './helpers.js';

const WIDE = 10_000;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

async function main(): Promise<void> {
  const why = fuseUnavailable();
  if (why) {
    console.log(why);
    return;
  }
  const w = await world({ items: 300, seed: 5 });
  try {
    const docs = w.library('Company', 'Documents');
    const drive = w.h.emu.tenant.drive(docs.driveId)!;
    const wide = drive.createFolder(drive.root.id, 'Wide', { by: 'Bench' });
    for (let i = 0; i < WIDE; i++) {
      const data = Buffer.from(`file ${i}\n`);
      drive.putFile(
        wide.id,
        `Scan ${String(i).padStart(5, '0')}.pdf`,
        { kind: 'stored', data },
        data.length,
        {
          by: 'Bench',
        },
      );
    }
    await w.sync();
    const vfs = w.vfs();
    let getattrs = 0;
    const getattr = vfs.getattr.bind(vfs);
    vfs.getattr = (p: string) => {
      getattrs++;
      return getattr(p);
    };
    const mnt = join(w.dir, 'mnt');
    mkdirSync(mnt);
    const widePath = join(mnt, 'Company/Documents/Wide');

    console.log(`ls -l of ${WIDE} entries (ms; getattr calls reaching the vfs)`);
    for (const t of [0.1, 1, 5]) {
      const m = await mount(vfs, mnt, { attrTimeout: t, entryTimeout: t });
      try {
        getattrs = 0;
        const [cold, listing] = await timed(() => out('ls', ['-l', widePath]));
        const coldCalls = getattrs;
        if (listing.trim().split('\n').length !== WIDE + 1) throw new Error('ls -l listed the wrong count');
        getattrs = 0;
        const [warm] = await timed(() => out('ls', ['-l', widePath]));
        const warmCalls = getattrs;
        await new Promise((r) => setTimeout(r, 1100));
        getattrs = 0;
        const [later] = await timed(() => out('ls', ['-l', widePath]));
        console.log(
          `  timeout ${t} s: cold ${cold.toFixed(0)} ms (${coldCalls} getattr, ${((coldCalls / cold) * 1000).toFixed(0)}/s), ` +
            `warm ${warm.toFixed(0)} ms (${warmCalls}), after 1.1 s ${later.toFixed(0)} ms (${getattrs})`,
        );
      } finally {
        await m.unmount();
      }
    }
    const names = vfs.readdir('/Company/Documents/Wide');
    const t0 = performance.now();
    for (const n of names) vfs.getattr(`/Company/Documents/Wide/${n}`);
    const inProcess = (names.length / (performance.now() - t0)) * 1000;
    console.log(`vfs.getattr in process (no kernel): ${inProcess.toFixed(0)}/s`);

    const bigVfsPath = '/Company/Documents/Media/Town hall recording.mp4';
    const fd = await vfs.open(bigVfsPath);
    const [inMs] = await timed(async () => {
      for (let off = 0; off < 2 ** 30; off += 128 * 1024) await vfs.read(fd, off, 128 * 1024);
    });
    await vfs.release(fd);
    console.log(
      `vfs.read sequential 1 GiB in process, 128 KiB reads (no kernel): ${(2 ** 30 / 1e6 / (inMs / 1000)).toFixed(0)} MB/s`,
    );

    const m = await mount(vfs, mnt);
    try {
      const big = join(mnt, 'Company/Documents/Media/Town hall recording.mp4');
      const [ms, r] = await timed(() => run('dd', [`if=${big}`, 'of=/dev/null', 'bs=1M'], 600_000));
      if (r.code !== 0) throw new Error(r.stderr);
      console.log(
        `dd sequential 1 GiB, cold cache: ${(2 ** 30 / 1e6 / (ms / 1000)).toFixed(0)} MB/s (${ms.toFixed(0)} ms)`,
      );
      const [ms2] = await timed(() => run('dd', [`if=${big}`, 'of=/dev/null', 'bs=1M'], 600_000));
      console.log(
        `dd sequential 1 GiB, again: ${(2 ** 30 / 1e6 / (ms2 / 1000)).toFixed(0)} MB/s (${ms2.toFixed(0)} ms)`,
      );

      // First-byte latency at offsets nothing has cached: a second file, never read before.
      const other = join(mnt, 'Projects/Shared Documents');
      const files = (await out('find', [other, '-type', 'f', '-size', '+200k'])).trim().split('\n');
      const script = `
const fs = require('fs');
const out = [];
for (const f of JSON.parse(process.argv[1])) {
  const size = fs.statSync(f).size;
  const t0 = process.hrtime.bigint();
  const fd = fs.openSync(f, 'r');
  const t1 = process.hrtime.bigint();
  const off = Math.floor(Math.random() * Math.max(1, size - 4096));
  const buf = Buffer.alloc(4096);
  fs.readSync(fd, buf, 0, 4096, off);
  out.push([Number(t1 - t0) / 1e6, Number(process.hrtime.bigint() - t1) / 1e6]);
  fs.closeSync(fd);
}
console.log(JSON.stringify(out));`;
      const pairs = JSON.parse(
        await out(process.execPath, ['-e', script, JSON.stringify(files.slice(0, 40))]),
      ) as Array<[number, number]>;
      const q = (xs: number[], p: number) =>
        xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!.toFixed(1);
      const opens = pairs.map((x) => x[0]);
      const reads = pairs.map((x) => x[1]);
      console.log(
        `4 KiB read at a random offset of a file never read (${pairs.length} files): ` +
          `open p50 ${q(opens, 0.5)} ms p90 ${q(opens, 0.9)} ms; first byte p50 ${q(reads, 0.5)} ms p90 ${q(reads, 0.9)} ms max ${q(reads, 1)} ms`,
      );
    } finally {
      await m.unmount();
    }
  } finally {
    await w.close();
  }
}

await main();
