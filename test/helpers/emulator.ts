import { ConfidentialClientApplication } from '@azure/msal-node';
import { Client } from '@microsoft/microsoft-graph-client';
import type { Agent } from 'undici';
import { request } from 'undici';
import { UndiciNetworkModule } from '../../src/auth/index.js';
import { silentLog } from '../../src/emulator/http/log.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import { trustingAgent } from './tls.js';

export interface EmulatorClient {
  em: Emulator;
  agent: Agent;
  graph: Client;
  token(): Promise<string>;
  /** Raw HTTPS request to the emulator (any URL it handed out), trusting its CA. */
  raw(
    url: string,
    init?: { method?: string; headers?: Record<string, string>; body?: Buffer | string },
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }>;
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** A running emulator plus a Graph client signed in through MSAL, as a real client would be. */
export async function emulatorClient(opts: EmulatorOptions = {}): Promise<EmulatorClient> {
  const em = await startEmulator({ items: 200, log: silentLog, ...opts });
  const agent = trustingAgent(em.info.caPem);
  const host = new URL(em.info.baseUrl).host;
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: em.info.clientId,
      clientSecret: em.info.clientSecret,
      authority: em.info.authority,
      knownAuthorities: [host],
      authorityMetadata: em.info.authorityMetadata,
    },
    system: { networkClient: new UndiciNetworkModule({ dispatcher: agent }) },
  });
  const token = async () => {
    const result = await msal.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    if (!result?.accessToken) throw new Error('no token');
    return result.accessToken;
  };
  const graph = Client.init({
    baseUrl: `${em.info.baseUrl}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(em.info.baseUrl).hostname]),
    fetchOptions: { dispatcher: agent as unknown as RequestInit['dispatcher'] },
    authProvider: (done) => {
      token().then(
        (t) => done(null, t),
        (err: unknown) => done(err, null),
      );
    },
  });
  const raw: EmulatorClient['raw'] = async (url, init = {}) => {
    const res = await request(url, {
      dispatcher: agent,
      method: init.method ?? 'GET',
      headers: init.headers,
      body: init.body,
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    return { status: res.statusCode, headers, body };
  };
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await raw(`${em.info.controlUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`control ${method} ${path}: ${res.status} ${res.body.toString()}`);
    return (res.body.length ? JSON.parse(res.body.toString()) : undefined) as T;
  };
  return {
    em,
    agent,
    graph,
    token,
    raw,
    control,
    close: async () => {
      await agent.close();
      await em.close();
    },
  };
}

/** Runs `p`, expecting a Graph error; returns it. */
export async function graphErrorOf(
  p: Promise<unknown>,
): Promise<{ statusCode: number; code: string | null; body: unknown; headers?: Headers }> {
  try {
    await p;
  } catch (err) {
    return err as { statusCode: number; code: string | null; body: unknown };
  }
  throw new Error('expected the request to fail');
}
