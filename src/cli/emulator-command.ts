import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { FaultPatch } from '../emulator/index.js';
import { startEmulator } from '../emulator/index.js';
import { waitForShutdown } from './shutdown.js';
import { wholeNumber as int } from './whole-number.js';

const prob = (raw: string) => {
  const n = Number(raw);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a probability must be between 0 and 1.');
  return n;
};

interface EmulatorFlags {
  items: number;
  seed: number;
  port: number;
  latency: number;
  jitter: number;
  bandwidth: number;
  p429: number;
  p503: number;
  pReset: number;
  pTruncate: number;
  budget?: number;
  wide?: number;
  tlsDir?: string;
  autoApprove: boolean;
  json: boolean;
}

export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description('Run the Graph-compatible emulator standalone (HTTPS on 127.0.0.1) until Ctrl-C')
    .option('--items <n>', 'items in the main generated library', int('--items'), 10_000)
    .option('--seed <n>', 'seed of the generated tenant and of the fault plan', int('--seed'), 1)
    .option('--port <n>', 'port to listen on (0 picks a free one)', int('--port'), 0)
    .option('--latency <ms>', 'added latency per request', int('--latency'), 0)
    .option('--jitter <ms>', 'random extra latency per request, up to this', int('--jitter'), 0)
    .option('--bandwidth <bytesPerSec>', 'cap on content download speed (0 = none)', int('--bandwidth'), 0)
    .option('--p429 <p>', 'probability of an injected 429', prob, 0)
    .option('--p503 <p>', 'probability of an injected 503', prob, 0)
    .option('--p-reset <p>', 'probability of a connection reset', prob, 0)
    .option('--p-truncate <p>', 'probability of a truncated body', prob, 0)
    .option('--wide <n>', "add a folder 'Wide' with this many files to the main library", int('--wide', 1))
    .option('--budget <ru>', 'resource units per tenant per minute (default 6000)', int('--budget', 1))
    .option('--tls-dir <dir>', 'keep the CA and certificate here across runs (writes ca.pem)')
    .option('--no-auto-approve', 'do not approve device codes automatically')
    .option('--json', 'print one JSON line with connection details on stdout, for scripts', false)
    .action(async (flags: EmulatorFlags) => {
      const faults: FaultPatch = {
        seed: flags.seed,
        latencyMs: flags.latency,
        jitterMs: flags.jitter,
        bandwidthBytesPerSec: flags.bandwidth,
        p429: flags.p429,
        p503: flags.p503,
        pReset: flags.pReset,
        pTruncate: flags.pTruncate,
      };
      if (!flags.json)
        process.stderr.write(`Generating a tenant with a ${flags.items.toLocaleString()}-item library...\n`);
      const emulator = await startEmulator({
        items: flags.items,
        wideChildren: flags.wide,
        seed: flags.seed,
        port: flags.port,
        faults,
        throttle: flags.budget ? { unitsPerWindow: flags.budget } : undefined,
        tlsDir: flags.tlsDir,
        autoApproveDeviceCodes: flags.autoApprove,
      });
      const i = emulator.info;
      if (flags.json) {
        const { caPem: _pem, authorityMetadata: _meta, ...line } = i;
        process.stdout.write(
          `${JSON.stringify({ ...line, drives: i.drives.map(({ siteName: _s, ...d }) => d) })}\n`,
        );
      } else {
        const lines = [
          `Emulator ready in ${(emulator.buildMs / 1000).toFixed(1)} s at ${i.baseUrl}/v1.0`,
          `  authority      ${i.authority}`,
          `  tenant         ${i.tenantId}`,
          `  client id      ${i.clientId}`,
          `  client secret  ${i.clientSecret}`,
          `  CA             ${i.caFile ?? '(in memory; pass --tls-dir to write ca.pem)'}`,
          `  control API    ${i.controlUrl}`,
          '  drives:',
          ...i.drives.map((d) => `    ${d.siteName}/${d.name}  ${d.items.toLocaleString()} items  ${d.id}`),
          'Press Ctrl-C to stop.',
        ];
        process.stderr.write(`${lines.join('\n')}\n`);
      }
      await waitForShutdown();
      await emulator.close();
    });
}
