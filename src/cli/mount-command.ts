import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { canonicalMountpoint, fusermountDetach, mountAt } from '../../mount/stale.js';
import type { Config } from '../app/config.js';
import { loadConfig } from '../app/config.js';
import { startEmbedded } from '../app/embedded.js';
import { checkFuse } from '../app/fuse-check.js';
import { createLogger } from '../app/logger.js';
import { mountRuntime } from '../app/mounted.js';
import { openRuntime } from '../app/runtime.js';
import { silentLog } from '../emulator/http/log.js';
import type { Emulator } from '../emulator/index.js';
import { tuneHeapForStreaming } from './heap-tuning.js';
import { keepServingOnStrayErrors } from './keep-alive.js';
import { waitForShutdown } from './shutdown.js';
import { wholeNumber } from './whole-number.js';

interface MountFlags {
  config?: string;
  items: number;
}

export function registerMountCommands(program: Command): void {
  program
    .command('mount')
    .description(
      'Mount the configured libraries (foreground; Ctrl-C unmounts). Without --config: an embedded emulator',
    )
    .argument('<mountpoint>', 'an empty directory')
    .option('-c, --config <file>', 'configuration file (JSON)')
    .option(
      '--items <n>',
      'size of the embedded emulator library (without --config)',
      wholeNumber('--items'),
      10_000,
    )
    .action(async (mountpoint: string, flags: MountFlags) => {
      tuneHeapForStreaming();
      await checkFuse();
      const say = (s: string) => process.stderr.write(`${s}\n`);
      let emulator: Emulator | undefined;
      let config: Config;
      if (flags.config) config = loadConfig(flags.config);
      else {
        say('No --config: mounting an embedded emulator (deltafs emulator --help for its options).');
        ({ emulator, config } = await startEmbedded(resolve('.deltafs-emulator'), {
          items: flags.items,
          log: silentLog,
        }));
      }
      mkdirSync(mountpoint, { recursive: true });
      const log = createLogger();
      const stopGuard = keepServingOnStrayErrors(log);
      const rt = await openRuntime(config, { log });
      let mounted: Awaited<ReturnType<typeof mountRuntime>> | undefined;
      try {
        say(`Indexing ${rt.libraries.length} libraries...`);
        await rt.engine.syncAll();
        mounted = await mountRuntime(rt, mountpoint);
        say(`Mounted ${rt.libraries.length} libraries at ${mounted.mounted.mountpoint}. Ctrl-C to unmount.`);
        await waitForShutdown();
      } finally {
        await mounted?.close();
        await rt.close();
        stopGuard();
        await emulator?.close();
      }
    });

  program
    .command('unmount')
    .description('Unmount a deltafs mount, also one left behind by a crashed run')
    .argument('<mountpoint>')
    .action(async (mountpoint: string) => {
      const mnt = await canonicalMountpoint(mountpoint);
      if (!(await mountAt(mnt))) throw new Error(`nothing is mounted at ${mnt}`);
      await fusermountDetach(mnt);
      process.stderr.write(`Unmounted ${mnt}.\n`);
    });
}
