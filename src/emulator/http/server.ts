import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { batchRoute } from './batch.js';
import { dispatchBatchItem } from './batch-inner.js';
import type { TokenVerifier } from './bearer.js';
import { DEFAULT_MAX_BODY_BYTES, onceBody, readBody } from './body.js';
import { type DispatchDeps, dispatch } from './dispatch.js';
import { FaultPlan } from './faults.js';
import { type EmulatorLog, stderrErrorLog } from './log.js';
import { RESET_STATUS, RequestStats } from './stats.js';
import { ResourceBudget, type ThrottleOptions } from './throttle.js';
import type { Route } from './types.js';
import { writeReply } from './write-reply.js';

export interface EmulatorServerOptions {
  /** Loopback only: the emulator accepts any registered secret and must not face a network. */
  host?: '127.0.0.1' | '::1' | 'localhost';
  /** 0 (default) picks a free port. */
  port?: number;
  tls: { certPem: string; keyPem: string };
  routes: Route[];
  tokens: TokenVerifier;
  faults?: FaultPlan;
  /** Options for a new budget, or a budget shared with something else (e.g. the control API). */
  throttle?: ThrottleOptions | ResourceBudget;
  maxBodyBytes?: number;
  log?: EmulatorLog;
  /** Serve POST /v1.0/$batch over `routes` (default true). */
  batch?: boolean;
  /** Longer than undici's 4 s default so the client, not the server, closes idle sockets. */
  keepAliveTimeoutMs?: number;
}

export interface EmulatorServer {
  /** e.g. 'https://127.0.0.1:43211' (no trailing slash). */
  baseUrl: string;
  port: number;
  stats: RequestStats;
  faults: FaultPlan;
  throttle: ResourceBudget;
  /** Stops accepting, lets idle keep-alive sockets go, cuts the rest after a second. */
  close(): Promise<void>;
}

export async function startEmulatorServer(opts: EmulatorServerOptions): Promise<EmulatorServer> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? stderrErrorLog;
  const stats = new RequestStats();
  const faults = opts.faults ?? new FaultPlan();
  const throttle =
    opts.throttle instanceof ResourceBudget ? opts.throttle : new ResourceBudget(opts.throttle);
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const routes = [...opts.routes];
  const deps: DispatchDeps = { routes, tokens: opts.tokens, budget: throttle, faults, log };
  if (opts.batch !== false)
    routes.push(batchRoute((item, outer) => dispatchBatchItem(deps, stats, item, outer)));

  const server = createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem, keepAlive: true });
  server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const outcome = await dispatch(
      deps,
      {
        method,
        url: requestUrl(req, baseUrl),
        headers: req.headers,
        req,
        res,
        requestId,
        body: onceBody(() => readBody(req, maxBodyBytes)),
      },
      true,
    );
    if (outcome.fault === 'reset') {
      if (outcome.reply.body instanceof Readable) outcome.reply.body.destroy();
      stats.record(outcome.route, method, RESET_STATUS);
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { 'request-id': requestId };
    const clientRequestId = req.headers['client-request-id'];
    if (typeof clientRequestId === 'string') headers['client-request-id'] = clientRequestId;
    stats.record(outcome.route, method, outcome.reply.status);
    await writeReply(res, outcome.reply, {
      headers,
      truncate: outcome.fault === 'truncate',
      bandwidthBytesPerSec: faults.current().bandwidthBytesPerSec,
      log,
    });
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'failed to write a reply');
      res.destroy();
    });
  });

  return {
    baseUrl,
    port,
    stats,
    faults,
    throttle,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}

/** Keeps the client's Host (localhost vs 127.0.0.1) so links the emulator builds work for it. */
function requestUrl(req: IncomingMessage, baseUrl: string): URL {
  // Concatenated, not resolved: a target like '//x/y' must stay a path, not become a host.
  const path = req.url?.startsWith('/') ? req.url : '/';
  try {
    if (req.headers.host) return new URL(`https://${req.headers.host}${path}`);
  } catch {
    // An unparsable Host header falls through to the listening address.
  }
  return new URL(`${baseUrl}${path}`);
}
