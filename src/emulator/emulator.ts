import { randomBytes, randomUUID } from 'node:crypto';
import { msalAuthorityMetadata } from './auth/metadata.js';
import { authRoutes, createAuthServices } from './auth/routes.js';
import type { AuthServices } from './auth/token-endpoint.js';
import { warmSeededHash } from './content/index.js';
import { type FaultPatch, FaultPlan } from './http/faults.js';
import { type EmulatorLog, stderrErrorLog } from './http/log.js';
import { type EmulatorServer, startEmulatorServer } from './http/server.js';
import type { ThrottleOptions } from './http/throttle.js';
import { loadOrCreateTls } from './http/tls.js';
import { buildTenant, defaultTenantSpec, type TenantSpec } from './layout.js';
import type { Tenant } from './model/tenant.js';
import { contentRoutes } from './routes/content.js';
import { controlRoutes } from './routes/control.js';
import { deltaRoutes } from './routes/delta.js';
import { discoveryRoutes } from './routes/discovery.js';
import { itemRoutes } from './routes/items.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { uploadRoutes } from './routes/upload.js';
import { type BehaviourOptions, defaultBehaviour, type EmulatorState } from './state.js';
import { SubscriptionService } from './subscriptions/index.js';
import { UploadSessions } from './upload-sessions.js';

export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Items in the main library (default 10,000). */
  items?: number;
  /** A folder 'Wide' with this many files in the main library (counted within `items`). */
  wideChildren?: number;
  seed?: number;
  /** The whole tenant layout; overrides `items`. */
  tenant?: Omit<TenantSpec, 'tenantId'> & { tenantId?: string };
  /** Persist the CA and server certificate here (and write ca.pem for clients). */
  tlsDir?: string;
  faults?: FaultPatch;
  throttle?: ThrottleOptions;
  behaviour?: Partial<BehaviourOptions>;
  /** Access-token lifetime (default 3600 s). */
  tokenLifetimeSec?: number;
  autoApproveDeviceCodes?: boolean;
  /** CA PEM(s) to trust when POSTing to https webhook receivers. */
  webhookCa?: string | string[];
  /** Subscription limits: validation and notification timeouts, retry policy (tests shorten them). */
  subscriptions?: {
    validationTimeoutMs?: number;
    notificationTimeoutMs?: number;
    retryInitialDelayMs?: number;
  };
  log?: EmulatorLog;
}

/** What a client needs to reach the emulator: printed by `deltafs emulator --json`. */
export interface EmulatorInfo {
  baseUrl: string;
  authority: string;
  /** JSON for MSAL's `authorityMetadata`, so it never asks Microsoft's discovery hosts. */
  authorityMetadata: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** A public client (no secret) for the device code flow. */
  publicClientId: string;
  caFile: string | null;
  caPem: string;
  controlUrl: string;
  drives: Array<{ id: string; name: string; siteId: string; siteName: string; items: number }>;
}

export interface Emulator {
  info: EmulatorInfo;
  tenant: Tenant;
  faults: FaultPlan;
  server: EmulatorServer;
  auth: AuthServices;
  subscriptions: SubscriptionService;
  state: EmulatorState;
  /** Milliseconds it took to generate the tenant. */
  buildMs: number;
  close(): Promise<void>;
}

/** Builds a tenant and serves it over HTTPS on loopback. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const seed = opts.seed ?? 1;
  const tenantId = opts.tenant?.tenantId ?? '6a1d3c52-7b0e-4f43-9a35-0c5f2d7e8b11';
  const spec: TenantSpec = opts.tenant
    ? { ...opts.tenant, tenantId }
    : defaultTenantSpec(opts.items ?? 10_000, seed, tenantId, opts.wideChildren);
  const t0 = performance.now();
  warmSeededHash();
  const tenant = buildTenant(spec);
  const buildMs = performance.now() - t0;

  const faults = new FaultPlan({ seed, ...opts.faults });
  const state: EmulatorState = {
    tenants: new Map([[tenant.id, tenant]]),
    baseUrl: '',
    instance: randomUUID(),
    behaviour: { ...defaultBehaviour, ...opts.behaviour },
    urlKey: randomBytes(32),
    deltaCounts: new Map(),
    misbehave: {
      takeForcedResync: () => faults.takeForcedResync(),
      ignoreRange: () => faults.ignoreRange(),
      random: () => faults.random('routes'),
    },
  };

  const clientId = '0c8e0b4e-5d1a-4c57-8e5b-2f1f3b7f6a01';
  const clientSecret = `deltafs-emulator-${seed}`;
  const publicClientId = '0c8e0b4e-5d1a-4c57-8e5b-2f1f3b7f6a02';
  const users = [...tenant.users.values()].map((u) => ({
    id: u.id,
    tenantId,
    userPrincipalName: u.mail,
    displayName: u.displayName,
  }));
  const auth = createAuthServices({
    apps: [
      { tenantId, clientId, clientSecret },
      // A public client for the device code flow, as an Entra ID app registration allows.
      { tenantId, clientId: publicClientId, publicClient: true },
    ],
    users,
    tokens: { lifetimeSec: opts.tokenLifetimeSec },
    autoApproveDeviceCodes: opts.autoApproveDeviceCodes,
  });

  const subscriptions = new SubscriptionService({
    behaviour: () => state.behaviour,
    notificationFaults: () => faults.current().notification,
    random: () => faults.random('notification'),
    ca: opts.webhookCa,
    validationTimeoutMs: opts.subscriptions?.validationTimeoutMs,
    notificationTimeoutMs: opts.subscriptions?.notificationTimeoutMs,
    retry: opts.subscriptions?.retryInitialDelayMs
      ? { initialDelayMs: opts.subscriptions.retryInitialDelayMs }
      : undefined,
  });

  const uploads = new UploadSessions();
  const tls = await loadOrCreateTls(opts.tlsDir);
  let server: EmulatorServer | undefined;
  const routes = [
    ...authRoutes(auth),
    ...discoveryRoutes(state),
    ...deltaRoutes(state),
    ...contentRoutes(state),
    ...uploadRoutes(state, uploads),
    ...itemRoutes(state),
    ...subscriptionRoutes(state, subscriptions),
    ...controlRoutes(state, {
      faults,
      expireAccessTokens: () => auth.tokens.expireAll(),
      approveDeviceCode: (code) => auth.deviceCodes.approve(code),
      emitLifecycle: async (id, event) => subscriptions.emitLifecycle(id, event),
      stats: () => ({
        requests: server?.stats.snapshot(),
        delta: Object.fromEntries(state.deltaCounts),
        notifications: subscriptions.stats,
      }),
    }),
  ];
  server = await startEmulatorServer({
    port: opts.port ?? 0,
    tls,
    routes,
    tokens: auth.tokens,
    faults,
    throttle: opts.throttle,
    log: opts.log ?? stderrErrorLog,
  });
  state.baseUrl = server.baseUrl;

  const info: EmulatorInfo = {
    baseUrl: server.baseUrl,
    authority: `${server.baseUrl}/${tenantId}`,
    authorityMetadata: msalAuthorityMetadata(server.baseUrl, tenantId),
    tenantId,
    clientId,
    clientSecret,
    publicClientId,
    caFile: tls.caFile ?? null,
    caPem: tls.caPem,
    controlUrl: `${server.baseUrl}/_control`,
    drives: [...tenant.drives.values()].map((d) => ({
      id: d.id,
      name: d.info.name,
      siteId: d.info.siteId,
      siteName: d.info.siteName,
      items: d.liveFiles + d.liveFolders - 1,
    })),
  };
  const running = server;
  return {
    info,
    tenant,
    faults,
    server: running,
    auth,
    subscriptions,
    state,
    buildMs,
    close: async () => {
      await subscriptions.close();
      await running.close();
    },
  };
}
