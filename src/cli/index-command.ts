import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../app/config.js';
import { createLogger } from '../app/logger.js';
import { indexedItems, openRuntime, type Runtime } from '../app/runtime.js';
import { waitForShutdown } from './shutdown.js';

interface IndexFlags {
  config: string;
  once: boolean;
  progress: boolean;
}

export function registerIndexCommand(program: Command): void {
  program
    .command('index')
    .description('Build and follow the metadata index of the configured libraries (no mount)')
    .requiredOption('-c, --config <file>', 'configuration file (JSON)')
    .option('--once', 'exit after one complete round of every library', false)
    .option('--no-progress', 'no progress bar')
    .action(async (flags: IndexFlags) => {
      const config = loadConfig(flags.config);
      const log = createLogger();
      const rt = await openRuntime(config, { log });
      const progress = flags.progress ? showProgress(rt) : undefined;
      try {
        const first = Promise.all(rt.libraries.map((l) => rt.engine.feed(l.driveId)!.syncNow()));
        if (flags.once) {
          await first;
        } else {
          await Promise.race([first.then(waitForShutdown), waitForShutdown()]);
        }
      } finally {
        progress?.stop();
        const statuses = rt.engine.statuses();
        for (const lib of rt.libraries) {
          const s = statuses.find((x) => x.driveId === lib.driveId);
          const st = rt.index.getDriveState(lib.driveId);
          process.stderr.write(
            `${lib.siteName}/${lib.libraryName}: ${st?.itemCount ?? 0} items, ${s?.state ?? 'unknown'}${s?.lastError ? ` (${s.lastError})` : ''}\n`,
          );
        }
        await rt.close();
      }
    });
}

/** Delta gives no totals up front: a count and a rate, not a bar. Piped output gets a line every 2 s. */
function showProgress(rt: Runtime): { stop(): void } {
  const bar = new SingleBar(
    {
      format: 'Indexing: {value} items | {rate} items/s | {drives}',
      clearOnComplete: false,
      noTTYOutput: true,
      notTTYSchedule: 2000,
    },
    Presets.shades_classic,
  );
  const started = performance.now();
  const refresh = () => {
    const statuses = rt.engine.statuses();
    const items = indexedItems(rt);
    const done = statuses.filter((s) => s.rounds > 0).length;
    bar.setTotal(Math.max(items, 1));
    bar.update(items, {
      rate: Math.round(items / ((performance.now() - started) / 1000)),
      drives: `${done}/${statuses.length} libraries synced`,
    });
  };
  bar.start(0, 0, { rate: 0, drives: `0/${rt.libraries.length} libraries synced` });
  const tick = setInterval(refresh, 250);
  tick.unref();
  return {
    stop: () => {
      clearInterval(tick);
      refresh();
      bar.stop();
    },
  };
}
