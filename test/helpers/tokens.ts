import { ClientCredentialProvider, type Log, silentLog } from '../../src/auth/index.js';

/** What an emulator hands a client: its `info`, or the `--json` line of `deltafs emulator`. */
export interface EmulatorCredentials {
  authority: string;
  authorityMetadata?: string;
  clientId: string;
  clientSecret: string;
}

/** App-only tokens from an emulator, through MSAL, trusting exactly its CA. */
export function emulatorTokens(
  info: EmulatorCredentials,
  caPem: string,
  log: Log = silentLog,
): ClientCredentialProvider {
  return new ClientCredentialProvider({
    authority: info.authority,
    ...(info.authorityMetadata ? { authorityMetadata: info.authorityMetadata } : {}),
    caPem,
    clientId: info.clientId,
    credential: { secret: info.clientSecret },
    log,
  });
}
