import { join } from 'node:path';
import { type Emulator, type EmulatorOptions, startEmulator } from '../emulator/index.js';
import { type Config, parseConfig } from './config.js';

/**
 * The emulator as the default server: started in this process, with its CA written under the
 * state directory, and a config that points deltafs at it exactly as it would at Graph.
 */
export async function startEmbedded(
  stateDir: string,
  opts: EmulatorOptions,
  extra: Record<string, unknown> = {},
): Promise<{ emulator: Emulator; config: Config }> {
  const emulator = await startEmulator({
    tlsDir: join(stateDir, 'emulator-tls'),
    autoApproveDeviceCodes: true,
    ...opts,
  });
  const i = emulator.info;
  const config = parseConfig({
    graph: { baseUrl: i.baseUrl, caFile: i.caFile },
    auth: {
      tenantId: i.tenantId,
      clientId: i.clientId,
      clientSecret: i.clientSecret,
      authority: i.authority,
      authorityMetadata: i.authorityMetadata,
    },
    stateDir: join(stateDir, 'client'),
    webhook: { listen: '127.0.0.1:0' },
    ...extra,
  });
  return { emulator, config };
}
