import type { Agent } from 'undici';
import { type AuthOptions, authRoutes, createAuthServices } from '../../src/emulator/auth/routes.js';
import type { AuthServices } from '../../src/emulator/auth/token-endpoint.js';
import type { FaultPlan } from '../../src/emulator/http/faults.js';
import type { EmulatorLog } from '../../src/emulator/http/log.js';
import { type EmulatorServer, startEmulatorServer } from '../../src/emulator/http/server.js';
import type { ResourceBudget, ThrottleOptions } from '../../src/emulator/http/throttle.js';
import type { EmulatorTls } from '../../src/emulator/http/tls.js';
import type { Route } from '../../src/emulator/http/types.js';
import { testTls, trustingAgent } from './tls.js';

export const TENANT = 'contoso-tenant-0001';
export const OTHER_TENANT = 'fabrikam-tenant-0002';
export const APP = { tenantId: TENANT, clientId: 'deltafs-test-app', clientSecret: 'correct horse battery' };
export const PUBLIC_APP = { tenantId: TENANT, clientId: 'deltafs-public-app', publicClient: true };

export interface HttpFixture {
  server: EmulatorServer;
  auth: AuthServices;
  tls: EmulatorTls;
  /** A keep-alive dispatcher that trusts the emulator CA; closed by close(). */
  agent: Agent;
  baseUrl: string;
  /** A valid bearer token for TENANT (straight from the registry, no HTTP). */
  bearer(tenantId?: string): string;
  close(): Promise<void>;
}

export interface FixtureOptions {
  routes?: Route[];
  auth?: AuthOptions;
  faults?: FaultPlan;
  throttle?: ThrottleOptions | ResourceBudget;
  log?: EmulatorLog;
  maxBodyBytes?: number;
}

/** Emulator with the auth routes plus the test's own routes, on a free port. */
export async function startHttpFixture(opts: FixtureOptions = {}): Promise<HttpFixture> {
  const tls = await testTls();
  const auth = createAuthServices({ apps: [APP, PUBLIC_APP], ...opts.auth });
  const server = await startEmulatorServer({
    tls,
    routes: [...authRoutes(auth), ...(opts.routes ?? [])],
    tokens: auth.tokens,
    faults: opts.faults,
    throttle: opts.throttle,
    log: opts.log,
    maxBodyBytes: opts.maxBodyBytes,
  });
  const agent = trustingAgent(tls.caPem);
  return {
    server,
    auth,
    tls,
    agent,
    baseUrl: server.baseUrl,
    bearer: (tenantId = TENANT) =>
      auth.tokens.issue({
        tenantId,
        clientId: APP.clientId,
        scopes: ['https://graph.microsoft.com/.default'],
      }).token,
    close: async () => {
      await agent.close();
      await server.close();
    },
  };
}

/** Collects log calls so tests can assert a crash was logged (and keep stderr quiet). */
export function capturingLog(): EmulatorLog & { errors: Array<{ obj: object; msg?: string }> } {
  const errors: Array<{ obj: object; msg?: string }> = [];
  const noop = () => {};
  return { errors, error: (obj, msg) => errors.push({ obj, msg }), warn: noop, info: noop, debug: noop };
}
