import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { authenticate, type TokenVerifier } from './bearer.js';
import { parseJsonBody } from './body.js';
import { GraphError, graphErrorBody, notFound } from './errors.js';
import type { FaultPlan, InjectedFault } from './faults.js';
import type { EmulatorLog } from './log.js';
import { findRoute, routeKind, routeName } from './router.js';
import { UNMATCHED } from './stats.js';
import type { ResourceBudget } from './throttle.js';
import type { Reply, RequestContext, Route } from './types.js';

export interface DispatchDeps {
  routes: readonly Route[];
  tokens: TokenVerifier;
  budget: ResourceBudget;
  faults: FaultPlan;
  log: EmulatorLog;
}

/** One request, from the socket or from inside a $batch. */
export interface Inbound {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  batchItemId?: string;
  body: () => Promise<Buffer>;
}

export interface Outcome {
  reply: Reply;
  /** Stats key of the matched route, or UNMATCHED. */
  route: string;
  /** A transport-level fault the caller must still apply (reset or truncate). */
  fault?: Extract<InjectedFault, 'reset' | 'truncate'>;
}

/**
 * Route → latency → bearer check → injected 429/503 → resource budget → handler. Never throws:
 * a GraphError becomes its reply, anything else a logged 500. Latency, reset and truncation are
 * transport faults and only apply to requests from the socket (`transport`).
 */
export async function dispatch(deps: DispatchDeps, inbound: Inbound, transport: boolean): Promise<Outcome> {
  let route = UNMATCHED;
  try {
    const lookup = findRoute(deps.routes, inbound.method, inbound.url.pathname);
    if ('notFound' in lookup) throw notFound(`Resource not found for the segment '${inbound.url.pathname}'.`);
    if ('allowed' in lookup) {
      throw new GraphError(
        405,
        'invalidRequest',
        `The HTTP method '${inbound.method}' is not allowed here.`,
        undefined,
        {
          Allow: lookup.allowed.join(', '),
        },
      );
    }
    const match = lookup.found;
    route = routeName(match.route);
    const ctx = context(inbound, match.path, match.params);
    const decision = deps.faults.decide(routeKind(match.route));
    if (transport && decision && decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (match.route.auth === 'bearer')
      ctx.auth = authenticate(inbound.headers, deps.tokens, inbound.url.origin);
    if (decision?.fault === '429' || decision?.fault === '503') throw injected(decision.fault, deps.faults);
    const rateHeaders = charge(deps.budget, match.route, ctx);
    const handled = await match.route.handler(ctx);
    // A copy: handlers may return shared constant replies.
    const reply: Reply = { ...handled, headers: { ...rateHeaders, ...handled.headers } };
    const fault =
      transport && (decision?.fault === 'reset' || decision?.fault === 'truncate')
        ? decision.fault
        : undefined;
    return { reply, route, fault };
  } catch (err) {
    return { reply: errorReply(err, inbound, route, deps.log), route };
  }
}

function context(inbound: Inbound, path: string, params: Record<string, string>): RequestContext {
  return {
    req: inbound.req,
    res: inbound.res,
    method: inbound.method,
    url: inbound.url,
    path,
    params,
    headers: inbound.headers,
    requestId: inbound.requestId,
    batchItemId: inbound.batchItemId,
    body: inbound.body,
    json: async <T>() => parseJsonBody<T>(await inbound.body()),
  };
}

/** Returns the RateLimit-* headers to add to the reply, or throws the 429. */
function charge(budget: ResourceBudget, route: Route, ctx: RequestContext): Record<string, string> {
  const tenant = ctx.auth?.tenantId ?? route.tenant?.(ctx);
  if (tenant === undefined) return {};
  const cost = typeof route.cost === 'function' ? route.cost(ctx) : (route.cost ?? 1);
  const result = budget.charge(tenant, cost);
  if (result.allowed) return result.headers;
  throw new GraphError(429, 'activityLimitReached', 'The request has been throttled.', 'throttledRequest', {
    ...result.headers,
    'Retry-After': result.retryAfterSec!,
  });
}

function injected(fault: '429' | '503', faults: FaultPlan): GraphError {
  const retryAfter = { 'Retry-After': faults.current().retryAfterSec };
  return fault === '429'
    ? new GraphError(
        429,
        'activityLimitReached',
        'The request has been throttled.',
        'throttledRequest',
        retryAfter,
      )
    : new GraphError(
        503,
        'serviceNotAvailable',
        'The service is temporarily unavailable.',
        undefined,
        retryAfter,
      );
}

function errorReply(err: unknown, inbound: Inbound, route: string, log: EmulatorLog): Reply {
  if (err instanceof GraphError) {
    return { status: err.status, headers: { ...err.headers }, json: graphErrorBody(err, inbound.requestId) };
  }
  log.error({ err, requestId: inbound.requestId, route, method: inbound.method }, 'route handler failed');
  const internal = new GraphError(500, 'generalException', 'An unexpected error occurred.');
  return { status: 500, json: graphErrorBody(internal, inbound.requestId) };
}
