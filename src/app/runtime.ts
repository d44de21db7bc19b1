import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { distinctUntilChanged, filter, map, of, startWith } from 'rxjs';
import { type Index, openIndex } from '../../store/index.js';
import { SyncEngine } from '../../streams/sync-engine.js';
import { ClientCredentialProvider, DeviceCodeProvider, type Log, type TokenProvider } from '../auth/index.js';
import { GraphClient } from '../graph/index.js';
import { SubscriptionManager, WebhookReceiver } from '../webhook/index.js';
import type { Config } from './config.js';
import { type MappedLibrary, resolveLibraries } from './libraries.js';

export interface Runtime {
  config: Config;
  /** The extra CA the config trusts (an emulator's), for download hosts too. */
  caPem?: string;
  tokens: TokenProvider & { close?: () => Promise<void> };
  graph: GraphClient;
  index: Index;
  engine: SyncEngine;
  libraries: MappedLibrary[];
  webhooks?: { receiver: WebhookReceiver; manager: SubscriptionManager };
  close(): Promise<void>;
}

export interface RuntimeOptions {
  log: Log;
  /** Shows the device code sign-in message. */
  onDeviceCode?: (message: string) => void;
}

/** Poll intervals when the config says nothing: long with webhooks (a safety net), short without. */
const POLL_WITH_WEBHOOKS_MS = 5 * 60_000;
const POLL_WITHOUT_WEBHOOKS_MS = 30_000;

/**
 * Everything between the config and a synchronised index: credentials, the Graph client, the
 * index, the webhook receiver and subscriptions, and one delta feed per library.
 */
export async function openRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const { log } = opts;
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const caPem = config.graph.caFile ? readFileSync(config.graph.caFile, 'utf8') : undefined;
  const tokens = tokenProvider(config, caPem, opts);
  const graph = new GraphClient({
    tenantId: config.auth.tenantId,
    tokens,
    baseUrl: config.graph.baseUrl,
    caPem,
  });
  const index = openIndex(join(config.stateDir, 'index'));
  let webhooks: Runtime['webhooks'];
  let engine: SyncEngine | undefined;
  // Also the way out of a failed start, so it copes with whatever was not made yet.
  const close = async () => {
    await webhooks?.manager.close();
    await webhooks?.receiver.close();
    engine?.close();
    await graph.close();
    await index.close();
    await tokens.close?.();
  };
  try {
    const libraries = await resolveLibraries(graph, config.libraries);
    if (config.webhook) {
      const [host, port] = splitHostPort(config.webhook.listen);
      const receiver = new WebhookReceiver({ host, port, publicUrl: config.webhook.publicUrl });
      await receiver.listen();
      const manager = new SubscriptionManager({ api: graph, receiver, log });
      webhooks = { receiver, manager };
    }
    const configured = (config.sync.pollIntervalSec ?? 0) * 1000;
    const manager = webhooks?.manager;
    // While a drive has a subscription the poll is only a safety net; without one it bounds staleness.
    const pollFor = (driveId: string) =>
      configured
        ? of(configured)
        : manager
          ? manager.mode$.pipe(
              filter((m) => m.driveId === driveId),
              map((m) => m.mode),
              startWith(manager.mode(driveId)),
              map((mode) => (mode === 'webhook' ? POLL_WITH_WEBHOOKS_MS : POLL_WITHOUT_WEBHOOKS_MS)),
              distinctUntilChanged(),
            )
          : of(POLL_WITHOUT_WEBHOOKS_MS);
    engine = new SyncEngine({
      index,
      wake$: manager?.wake$.pipe(map((w) => w.driveId)),
      pollIntervalMs: pollFor,
      top: config.sync.pageSize,
      log: (msg, fields, level = 'info') => log[level](fields ?? {}, msg),
    });
    for (const lib of libraries) engine.add(lib.driveId, graph);
    // Subscriptions are made after the first round started: a change between the two is
    // caught by that round or by the next notification.
    if (manager) await Promise.all(libraries.map((l) => manager.ensure(l.driveId)));
    return { config, caPem, tokens, graph, index, engine, libraries, webhooks, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

/** Items the index holds over all libraries; progress counts these, since rounds repeat and resume. */
export function indexedItems(rt: Pick<Runtime, 'index' | 'libraries'>): number {
  return rt.libraries.reduce((s, l) => s + (rt.index.getDriveState(l.driveId)?.itemCount ?? 0), 0);
}

function tokenProvider(
  config: Config,
  caPem: string | undefined,
  opts: RuntimeOptions,
): TokenProvider & { close?: () => Promise<void> } {
  const a = config.auth;
  const common = {
    authority: a.authority ?? `https://login.microsoftonline.com/${a.tenantId}`,
    ...(a.authorityMetadata ? { authorityMetadata: a.authorityMetadata } : {}),
    ...(caPem ? { caPem } : {}),
    clientId: a.clientId,
    cacheFile: join(config.stateDir, 'msal-cache.json'),
    log: opts.log,
  };
  if (a.deviceCode) {
    return new DeviceCodeProvider({
      ...common,
      onDeviceCode: (p) => (opts.onDeviceCode ?? ((m: string) => process.stderr.write(`${m}\n`)))(p.message),
    });
  }
  const secret = process.env[a.clientSecretEnv] ?? a.clientSecret;
  if (a.certificateFile && a.privateKeyFile) {
    return new ClientCredentialProvider({
      ...common,
      credential: {
        certificatePem: readFileSync(a.certificateFile, 'utf8'),
        privateKeyPem: readFileSync(a.privateKeyFile, 'utf8'),
      },
    });
  }
  if (!secret) {
    throw new Error(
      `no credential: set ${a.clientSecretEnv}, or auth.clientSecret, or auth.certificateFile + auth.privateKeyFile, or auth.deviceCode`,
    );
  }
  return new ClientCredentialProvider({ ...common, credential: { secret } });
}

function splitHostPort(listen: string): [string, number] {
  const i = listen.lastIndexOf(':');
  const port = Number(listen.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`webhook.listen must be host:port, got '${listen}'`);
  return [listen.slice(0, i).replace(/^\[|\]$/g, ''), port];
}
