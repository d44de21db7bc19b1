import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { startEmbedded } from '../app/embedded.js';
import { checkFuse } from '../app/fuse-check.js';
import { createLogger } from '../app/logger.js';
import { mountRuntime } from '../app/mounted.js';
import { indexedItems, openRuntime } from '../app/runtime.js';
import { startTrickle } from '../app/trickle.js';
import { silentLog } from '../emulator/http/log.js';
import { tuneHeapForStreaming } from './heap-tuning.js';
import { keepServingOnStrayErrors } from './keep-alive.js';
import { waitForShutdown } from './shutdown.js';
import { wholeNumber } from './whole-number.js';

interface DemoFlags {
  items: number;
  mountpoint: string;
  state: string;
  trickle: boolean;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Emulator + index + mount at ./mnt, with webhooks and a trickle of remote edits')
    .option(
      '--items <n>',
      'files and folders in the large library (about 89% files)',
      wholeNumber('--items', 100),
      115_000,
    )
    .option('--mountpoint <dir>', 'where to mount', './mnt')
    .option('--state <dir>', 'demo state (index, certificates)', './.deltafs-demo')
    .option('--no-trickle', 'no remote edits')
    .action(async (flags: DemoFlags) => {
      tuneHeapForStreaming();
      await checkFuse();
      const say = (s: string) => process.stderr.write(`${s}\n`);
      const state = resolve(flags.state);
      const mnt = resolve(flags.mountpoint);
      // A fresh index each time, so the demo shows it being built.
      rmSync(`${state}/client`, { recursive: true, force: true });
      mkdirSync(mnt, { recursive: true });

      say(
        `Generating a demo tenant (${flags.items.toLocaleString()} files and folders in Company/Documents)...`,
      );
      const { emulator, config } = await startEmbedded(state, { items: flags.items, log: silentLog });
      const big = emulator.tenant.drive(emulator.info.drives[0]!.id)!;
      say(
        `Emulator ready in ${(emulator.buildMs / 1000).toFixed(1)} s at ${emulator.info.baseUrl}: ` +
          `${emulator.info.drives.length} libraries, Company/Documents has ${big.liveFiles.toLocaleString()} files in ${big.liveFolders.toLocaleString()} folders`,
      );
      const log = createLogger();
      const stopGuard = keepServingOnStrayErrors(log);
      const rt = await openRuntime(config, { log });
      const total = emulator.info.drives.reduce((s, d) => s + d.items + 1, 0);
      const bar = new SingleBar(
        {
          format: 'Indexing {bar} {percentage}% | {value}/{total} items | {rate} items/s',
          hideCursor: true,
          // Piped output (logs, CI) gets a line every 2 s instead of nothing.
          noTTYOutput: true,
          notTTYSchedule: 2000,
        },
        Presets.shades_classic,
      );
      const t0 = performance.now();
      bar.start(total, 0, { rate: 0 });
      const tick = setInterval(() => {
        const items = indexedItems(rt);
        bar.update(Math.min(items, total), { rate: Math.round(items / ((performance.now() - t0) / 1000)) });
      }, 200);
      let trickle: ReturnType<typeof startTrickle> | undefined;
      let mounted: Awaited<ReturnType<typeof mountRuntime>> | undefined;
      try {
        await rt.engine.syncAll();
        clearInterval(tick);
        bar.update(total, { rate: Math.round(total / ((performance.now() - t0) / 1000)) });
        bar.stop();
        mounted = await mountRuntime(rt, mnt);
        const main = emulator.info.drives[0]!;
        if (flags.trickle) trickle = startTrickle(emulator.tenant.drive(main.id)!);
        const lib = `${flags.mountpoint.replace(/\/$/, '')}/${main.siteName}/${main.name}`;
        say(
          `Mounted at ${flags.mountpoint} (webhooks on). Try: ls -l "${lib}" | head; watch -n1 ls -l "${lib}/Live edits" — remote edits arrive every 3 s. Ctrl-C to stop.`,
        );
        await waitForShutdown();
        say('Stopping: unmounting...');
      } finally {
        clearInterval(tick);
        bar.stop();
        trickle?.stop();
        await mounted?.close();
        await rt.close();
        stopGuard();
        await emulator.close();
      }
    });
}
