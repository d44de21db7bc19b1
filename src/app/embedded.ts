import { join } from 'node:path';
import { type Emulator, type EmulatorInfo, type EmulatorOptions, startEmulator } from '../emulator/index.js';
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
  const config = parseConfig(
    emulatorConfig(emulator.info, join(stateDir, 'client'), { webhook: { listen: '127.0.0.1:0' }, ...extra }),
  );
  return { emulator, config };
}

/** A configuration (as it would be written to a file) that points deltafs at an emulator. */
export function emulatorConfig(
  info: Pick<EmulatorInfo, 'baseUrl' | 'caFile' | 'tenantId' | 'clientId' | 'clientSecret' | 'authority'> &
    Partial<Pick<EmulatorInfo, 'authorityMetadata'>>,
  stateDir: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    graph: { baseUrl: info.baseUrl, caFile: info.caFile },
    auth: {
      tenantId: info.tenantId,
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      authority: info.authority,
      ...(info.authorityMetadata ? { authorityMetadata: info.authorityMetadata } : {}),
    },
    stateDir,
    ...extra,
  };
}
