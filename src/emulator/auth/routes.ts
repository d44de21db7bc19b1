import type { Route } from '../http/types.js';
import { type DeviceCodeOptions, DeviceCodeStore } from './device-codes.js';
import { Directory, type DirectoryUser, type RegisteredApp } from './directory.js';
import { openIdConfiguration } from './metadata.js';
import { type AuthServices, deviceCodeEndpoint, tokenEndpoint } from './token-endpoint.js';
import { TokenRegistry, type TokenRegistryOptions } from './token-registry.js';

export interface AuthOptions {
  apps?: RegisteredApp[];
  users?: DirectoryUser[];
  tokens?: TokenRegistryOptions;
  deviceCodes?: DeviceCodeOptions;
  /** Shortcut for deviceCodes.autoApprove, so the demo signs in unattended. */
  autoApproveDeviceCodes?: boolean | { afterMs: number };
}

/** Directory, token registry and device codes wired together; pass `tokens` to the server as its verifier. */
export function createAuthServices(opts: AuthOptions = {}): AuthServices {
  const directory = new Directory({ apps: opts.apps, users: opts.users });
  const tokens = new TokenRegistry(opts.tokens);
  const deviceCodes = new DeviceCodeStore((tenantId) => directory.defaultUser(tenantId), {
    ...opts.deviceCodes,
    autoApprove: opts.autoApproveDeviceCodes ?? opts.deviceCodes?.autoApprove,
  });
  return { directory, tokens, deviceCodes };
}

const TENANT = '(?<tenant>[A-Za-z0-9.-]+)';

/** Entra ID's endpoints under the emulator's root (prefix ''); never charged, faulted only with scope 'auth'. */
export function authRoutes(svc: AuthServices): Route[] {
  const route = (method: string, name: string, pattern: RegExp, handler: Route['handler']): Route => ({
    method,
    prefix: '',
    pattern,
    auth: 'none',
    cost: 0,
    kind: 'auth',
    name,
    handler,
  });
  return [
    route('POST', 'oauth2 token', new RegExp(`^/${TENANT}/oauth2/v2\\.0/token$`), (ctx) =>
      tokenEndpoint(ctx, svc),
    ),
    route('POST', 'oauth2 devicecode', new RegExp(`^/${TENANT}/oauth2/v2\\.0/devicecode$`), (ctx) =>
      deviceCodeEndpoint(ctx, svc),
    ),
    route(
      'GET',
      'openid-configuration',
      new RegExp(`^/${TENANT}/v2\\.0/\\.well-known/openid-configuration$`),
      (ctx) => ({
        status: 200,
        json: openIdConfiguration(ctx.url.origin, ctx.params.tenant!),
      }),
    ),
    route('GET', 'jwks', new RegExp(`^/${TENANT}/discovery/v2\\.0/keys$`), () => ({
      status: 200,
      // Tokens are opaque and id tokens unsigned: there is no key to publish.
      json: { keys: [] },
    })),
  ];
}
