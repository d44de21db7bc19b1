import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetch } from 'undici';
import { ResourceBudget } from '../../src/emulator/http/throttle.js';
import type { Route } from '../../src/emulator/http/types.js';
import { type HttpFixture, OTHER_TENANT, startHttpFixture } from '../helpers/http-fixture.js';

describe('ResourceBudget (rolling window per tenant)', () => {
  const clock = () => {
    const c = { now: 0, budget: undefined as unknown as ResourceBudget };
    c.budget = new ResourceBudget({ unitsPerWindow: 10, windowMs: 60_000 }, () => c.now);
    return c;
  };

  it('refuses once the window is full and names the wait until enough units expire', () => {
    const c = clock();
    for (const t of [0, 10, 20, 30, 40]) {
      c.now = t * 1000;
      assert.equal(c.budget.charge('a', 2).allowed, true);
    }
    c.now = 45_000;
    const refused = c.budget.charge('a', 2);
    assert.equal(refused.allowed, false);
    // The refused request counts too (12 used): the charges of t=0 and t=10 must expire first.
    assert.equal(refused.retryAfterSec, 25);
    c.now = 70_000;
    assert.equal(c.budget.charge('a', 2).allowed, true);
  });

  it('keeps refusing a client that hammers while throttled', () => {
    const c = clock();
    assert.equal(c.budget.charge('a', 10).allowed, true);
    for (let t = 1; t <= 59; t++) {
      c.now = t * 1000;
      assert.equal(c.budget.charge('a', 1).allowed, false);
    }
    c.now = 60_000;
    // The 59 refused units are still inside the window.
    assert.equal(c.budget.charge('a', 1).allowed, false);
    assert.equal(c.budget.usage('a'), 60);
  });

  it('sends RateLimit headers from 80% of the budget on', () => {
    const c = clock();
    assert.deepEqual(c.budget.charge('a', 7).headers, {});
    c.now = 5_000;
    assert.deepEqual(c.budget.charge('a', 1).headers, {
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '2',
      'RateLimit-Reset': '60',
    });
    c.now = 30_000;
    const refused = c.budget.charge('a', 5);
    assert.equal(refused.headers['RateLimit-Remaining'], '0');
  });

  it('budgets each tenant on its own, with per-tenant overrides, and never charges cost 0', () => {
    const c = clock();
    c.budget.configure({ perTenant: { big: 100 } });
    assert.equal(c.budget.charge('a', 10).allowed, true);
    assert.equal(c.budget.charge('a', 1).allowed, false);
    assert.equal(c.budget.charge('b', 10).allowed, true);
    assert.equal(c.budget.charge('big', 50).allowed, true);
    assert.equal(c.budget.charge('a', 0).allowed, true);
    c.budget.configure({ disabled: true });
    assert.equal(c.budget.charge('a', 5).allowed, true);
  });
});

describe('throttling on the server', () => {
  let fx: HttpFixture;
  let handled = 0;
  const routes: Route[] = [
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: /^\/children$/,
      auth: 'bearer',
      cost: 2,
      handler: () => {
        handled += 1;
        return { status: 200, json: { value: [] } };
      },
    },
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: /^\/delta$/,
      auth: 'bearer',
      cost: (ctx) => (ctx.url.searchParams.has('token') ? 1 : 2),
      handler: () => ({ status: 200, json: { value: [] } }),
    },
  ];
  before(async () => {
    fx = await startHttpFixture({ routes, throttle: { unitsPerWindow: 10 } });
  });
  after(() => fx.close());

  const get = (path: string, token: string) =>
    fetch(`${fx.baseUrl}/v1.0${path}`, {
      dispatcher: fx.agent,
      headers: { authorization: `Bearer ${token}` },
    });

  it('answers 429 activityLimitReached with Retry-After and RateLimit headers once the tenant is over budget', async () => {
    const token = fx.bearer();
    const seen: Array<{ status: number; remaining: string | null }> = [];
    for (let i = 0; i < 6; i++) {
      const res = await get('/children', token);
      seen.push({ status: res.status, remaining: res.headers.get('ratelimit-remaining') });
      if (res.status === 429) {
        assert.ok(Number(res.headers.get('retry-after')) >= 59);
        assert.equal(res.headers.get('ratelimit-limit'), '10');
        const body = (await res.json()) as { error: { code: string; innerError: { code: string } } };
        assert.equal(body.error.code, 'activityLimitReached');
        assert.equal(body.error.innerError.code, 'throttledRequest');
      } else {
        await res.arrayBuffer();
      }
    }
    assert.deepEqual(seen, [
      { status: 200, remaining: null },
      { status: 200, remaining: null },
      { status: 200, remaining: null },
      { status: 200, remaining: '2' },
      { status: 200, remaining: '0' },
      { status: 429, remaining: '0' },
    ]);
    assert.equal(handled, 5, 'the throttled request never reached the handler');
    assert.equal(fx.server.throttle.usage('contoso-tenant-0001'), 12);
  });

  it('leaves other tenants alone', async () => {
    const res = await get('/children', fx.bearer(OTHER_TENANT));
    assert.equal(res.status, 200);
  });

  it('charges what the route cost function says', async () => {
    fx.server.throttle.reset();
    const token = fx.bearer();
    await (await get('/delta', token)).arrayBuffer();
    await (await get('/delta?token=abc', token)).arrayBuffer();
    assert.equal(fx.server.throttle.usage('contoso-tenant-0001'), 3);
  });

  it('never charges or throttles the token endpoint', async () => {
    fx.server.throttle.configure({ unitsPerWindow: 0 });
    const res = await fetch(`${fx.baseUrl}/contoso-tenant-0001/oauth2/v2.0/token`, {
      method: 'POST',
      dispatcher: fx.agent,
      body: 'grant_type=client_credentials&client_id=deltafs-test-app&client_secret=correct%20horse%20battery&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.status, 200);
    fx.server.throttle.configure({ unitsPerWindow: 10 });
  });
});
