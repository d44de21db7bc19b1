import { Agent, DecoratorHandler, type Dispatcher } from 'undici';
import type { ClientCredentialProvider, Log } from '../../src/auth/index.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import {
  GraphClient,
  type GraphClientOptions,
  TenantState,
  type TenantStateOptions,
} from '../../src/graph/index.js';
import { emulatorTokens } from '../helpers/tokens.js';

/** One request as it went over the wire. */
export interface WireEvent {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** performance.now() when handed to the socket pool / when the status line arrived. */
  sentAt: number;
  status?: number;
  answeredAt?: number;
}

/** A keep-alive Agent trusting the emulator's CA that records every request it dispatches. */
export function recordingDispatcher(caPem: string): {
  dispatcher: Dispatcher;
  events: WireEvent[];
  close(): Promise<void>;
} {
  const agent = new Agent({ connect: { ca: caPem } });
  const events: WireEvent[] = [];
  const dispatcher = agent.compose((dispatch) => (opts, handler) => {
    const ev: WireEvent = {
      method: opts.method,
      path: opts.path,
      headers: headerRecord(opts.headers),
      sentAt: performance.now(),
    };
    events.push(ev);
    // undici's typings omit DecoratorHandler's methods; it normalises old- and new-style handlers.
    const recording = new DecoratorHandler(handler) as Dispatcher.DispatchHandler;
    const start = recording.onResponseStart!.bind(recording);
    recording.onResponseStart = (controller, status, headers, message) => {
      ev.status = status;
      ev.answeredAt = performance.now();
      return start(controller, status, headers, message);
    };
    return dispatch(opts, recording);
  });
  return { dispatcher, events, close: () => agent.close() };
}

function headerRecord(h: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (Array.isArray(h)) {
    for (let i = 0; i + 1 < h.length; i += 2) out[String(h[i]).toLowerCase()] = String(h[i + 1]);
  } else {
    for (const [k, v] of Object.entries(h as Record<string, unknown>))
      if (v !== undefined) out[k.toLowerCase()] = String(v);
  }
  return out;
}

/** Everything logged, as text, so tests can look for secrets in it. */
export function captureLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const fn = (obj: object, msg?: string) => {
    lines.push(
      `${JSON.stringify(obj, (_k, v) => (v instanceof Error ? { name: v.name, message: v.message } : v))} ${msg ?? ''}`,
    );
  };
  return { lines, debug: fn, info: fn, warn: fn, error: fn };
}

export interface Harness {
  emu: Emulator;
  tokens: ClientCredentialProvider;
  log: ReturnType<typeof captureLog>;
  client(opts?: Partial<GraphClientOptions> & { tenantOptions?: TenantStateOptions }): GraphClient;
  close(): Promise<void>;
}

/** An emulator with a small tenant and an app-only token provider for it. */
export async function harness(opts: EmulatorOptions = {}): Promise<Harness> {
  const emu = await startEmulator({ items: 300, seed: 7, ...opts });
  const { info } = emu;
  const log = captureLog();
  const tokens = emulatorTokens(info, info.caPem, log);
  const clients: GraphClient[] = [];
  return {
    emu,
    tokens,
    log,
    client: ({ tenantOptions, ...o } = {}) => {
      const c = new GraphClient({
        tenantId: info.tenantId,
        tokens,
        baseUrl: info.baseUrl,
        caPem: info.caPem,
        tenant: new TenantState(info.tenantId, tenantOptions ?? { budget: false }),
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
        ...o,
      });
      clients.push(c);
      return c;
    },
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await tokens.close();
      await emu.close();
    },
  };
}
