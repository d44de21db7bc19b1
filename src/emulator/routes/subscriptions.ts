import type { Reply, RequestContext, Route } from '../http/types.js';
import { type EmulatorState, tenantOf } from '../state.js';
import { type Caller, type SubscriptionService, subscriptionJson } from '../subscriptions/index.js';

const READ = 1;
const WRITE = 2;

/** Graph's `/subscriptions` for driveItem: create (with the validation handshake), list, get, renew, delete. */
export function subscriptionRoutes(state: EmulatorState, subs: SubscriptionService): Route[] {
  const caller = (ctx: RequestContext): Caller => ({
    tenant: tenantOf(state, ctx),
    applicationId: ctx.auth!.clientId,
    userId: ctx.auth!.userId,
  });
  const entity = (json: Record<string, unknown>): Reply => ({
    status: 200,
    json: { '@odata.context': `${state.baseUrl}/v1.0/$metadata#subscriptions/$entity`, ...json },
  });
  const one = /^\/subscriptions\/(?<id>[^/]+)\/?$/;
  const id = (ctx: RequestContext) => ctx.params.id!;
  const route = (method: string, pattern: RegExp, cost: number, handler: Route['handler']): Route => ({
    method,
    prefix: '/v1.0',
    pattern,
    handler,
    auth: 'bearer',
    cost,
  });

  return [
    route('POST', /^\/subscriptions\/?$/, WRITE, async (ctx) => {
      const who = caller(ctx);
      const sub = await subs.create(who, await ctx.json());
      return { ...entity(subscriptionJson(sub)), status: 201 };
    }),
    route('GET', /^\/subscriptions\/?$/, READ, (ctx) => ({
      status: 200,
      json: {
        '@odata.context': `${state.baseUrl}/v1.0/$metadata#subscriptions`,
        value: subs.list(caller(ctx)).map(subscriptionJson),
      },
    })),
    route('GET', one, READ, (ctx) => entity(subscriptionJson(subs.get(caller(ctx), id(ctx))))),
    route('PATCH', one, WRITE, async (ctx) => {
      const who = caller(ctx);
      return entity(subscriptionJson(subs.renew(who, id(ctx), await ctx.json())));
    }),
    route('DELETE', one, WRITE, (ctx) => {
      subs.delete(caller(ctx), id(ctx));
      return { status: 204 };
    }),
    route('POST', /^\/subscriptions\/(?<id>[^/]+)\/reauthorize\/?$/, WRITE, (ctx) => {
      // Graph's answer to reauthorizationRequired; the emulator's tokens carry no revocable consent.
      subs.get(caller(ctx), id(ctx));
      return { status: 204 };
    }),
  ];
}
