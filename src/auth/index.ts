export { type AuthorityConfig, msalAuthorityOptions } from './authority.js';
export { FileTokenCache } from './cache-file.js';
export {
  type ClientCredential,
  type ClientCredentialConfig,
  ClientCredentialProvider,
  type DeviceCodeConfig,
  type DeviceCodePrompt,
  DeviceCodeProvider,
  GRAPH_APP_SCOPES,
  GRAPH_USER_SCOPES,
} from './msal.js';
export { type NetworkOptions, UndiciNetworkModule } from './network.js';
export {
  type IssuedToken,
  RefreshingTokenProvider,
  type RefreshPolicy,
  type TokenSource,
} from './refresh.js';
export { type Log, silentLog, type TokenProvider } from './types.js';
