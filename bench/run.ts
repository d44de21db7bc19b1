import { Command, InvalidArgumentError } from 'commander';
import { benchEmulator } from './emulator.js';
import { benchIndex } from './index.js';
import { benchMount } from './mount.js';

const int = (raw: string) => {
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive whole number');
  return n;
};

const program = new Command()
  .name('deltafs-bench')
  .description('deltafs benchmarks: figures as ratios measured in one run')
  .argument('[scenarios...]', 'scenarios to run: emulator, index, mount', ['emulator', 'index'])
  .option('--items <n>', 'items in the main library', int, 1_000_000)
  .option('--seconds <n>', 'seconds per throughput measurement', int, 5)
  .option(
    '--sizes <list>',
    'library sizes for the index scenario',
    (v) => v.split(',').map(int),
    [10_000, 100_000, 1_000_000],
  )
  .action(async (scenarios: string[], flags: { items: number; seconds: number; sizes: number[] }) => {
    for (const s of scenarios) {
      if (s === 'emulator') await benchEmulator(flags);
      else if (s === 'index') await benchIndex(flags.sizes);
      else if (s === 'mount') await benchMount();
      else throw new InvalidArgumentError(`unknown scenario '${s}'`);
    }
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
