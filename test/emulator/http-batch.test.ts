import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchRequestContent, BatchResponseContent, Client } from '@microsoft/microsoft-graph-client';
import { fetch } from 'undici';
import { MAX_BATCH_REQUESTS } from '../../src/emulator/http/batch.js';
import { notFound } from '../../src/emulator/http/errors.js';
import type { Route } from '../../src/emulator/http/types.js';
import { type HttpFixture, startHttpFixture, TENANT } from '../helpers/http-fixture.js';

interface BatchReply {
  responses: Array<{ id: string; status: number; headers: Record<string, string>; body?: unknown }>;
}

const order: string[] = [];
const routes: Route[] = [
  {
    method: 'GET',
    prefix: '/v1.0',
    pattern: /^\/items\/(?<id>[^/]+)$/,
    auth: 'bearer',
    name: 'item',
    handler: async (ctx) => {
      const id = ctx.params.id!;
      if (id.startsWith('missing')) throw notFound();
      if (id.startsWith('slow')) await sleep(80);
      order.push(id);
      return { status: 200, json: { id, tenant: ctx.auth?.tenantId, q: ctx.url.searchParams.get('q') } };
    },
  },
  {
    method: 'POST',
    prefix: '/v1.0',
    pattern: /^\/items$/,
    auth: 'bearer',
    handler: async (ctx) => ({
      status: 201,
      headers: { Location: '/items/new' },
      json: { created: await ctx.json() },
    }),
  },
  {
    method: 'PUT',
    prefix: '/v1.0',
    pattern: /^\/items\/(?<id>[^/]+)\/content$/,
    auth: 'bearer',
    handler: async (ctx) => ({
      status: 200,
      headers: { 'Content-Type': 'text/plain' },
      body: `got ${(await ctx.body()).toString('utf8')} as ${ctx.headers['content-type']}`,
    }),
  },
];

describe('JSON batching (POST /v1.0/$batch)', () => {
  let fx: HttpFixture;
  before(async () => {
    fx = await startHttpFixture({ routes, throttle: { unitsPerWindow: 1000 } });
  });
  after(() => fx.close());
  beforeEach(() => {
    order.length = 0;
    fx.server.throttle.reset();
    fx.server.throttle.configure({ unitsPerWindow: 1000 });
  });

  const batch = async (requests: unknown[], token: string | undefined = fx.bearer()) => {
    const res = await fetch(`${fx.baseUrl}/v1.0/$batch`, {
      method: 'POST',
      dispatcher: fx.agent,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ requests }),
    });
    return {
      status: res.status,
      body: (await res.json()) as BatchReply & { error?: { code: string; message: string } },
    };
  };
  const byId = (reply: BatchReply) => new Map(reply.responses.map((r) => [r.id, r]));

  it('runs each request through the router with the outer bearer token', async () => {
    const r = await batch([
      { id: '1', method: 'GET', url: '/items/a?q=x' },
      { id: '2', method: 'GET', url: 'items/b' },
      { id: '3', method: 'GET', url: '/items/missing' },
      { id: '4', method: 'GET', url: '/nowhere' },
    ]);
    assert.equal(r.status, 200);
    const m = byId(r.body);
    assert.equal(m.size, 4);
    assert.deepEqual(m.get('1')!.body, { id: 'a', tenant: TENANT, q: 'x' });
    assert.equal(m.get('1')!.headers['Content-Type'], 'application/json');
    assert.equal(m.get('2')!.status, 200);
    assert.equal(m.get('3')!.status, 404);
    assert.equal((m.get('3')!.body as { error: { code: string } }).error.code, 'itemNotFound');
    assert.equal(m.get('4')!.status, 404);
  });

  it('passes JSON bodies as JSON and other bodies as base64, both ways', async () => {
    const r = await batch([
      {
        id: 'p',
        method: 'POST',
        url: '/items',
        headers: { 'Content-Type': 'application/json' },
        body: { name: 'n' },
      },
      {
        id: 'u',
        method: 'PUT',
        url: '/items/x/content',
        headers: { 'Content-Type': 'text/plain' },
        body: Buffer.from('hello').toString('base64'),
      },
    ]);
    const m = byId(r.body);
    assert.equal(m.get('p')!.status, 201);
    assert.equal(m.get('p')!.headers.Location, '/items/new');
    assert.deepEqual(m.get('p')!.body, { created: { name: 'n' } });
    assert.equal(Buffer.from(String(m.get('u')!.body), 'base64').toString(), 'got hello as text/plain');
  });

  it('runs dependants after their dependencies and fails them with 424 when one failed', async () => {
    const r = await batch([
      { id: 'c', method: 'GET', url: '/items/c', dependsOn: ['b'] },
      { id: 'b', method: 'GET', url: '/items/b', dependsOn: ['a'] },
      { id: 'a', method: 'GET', url: '/items/slow-a' },
      { id: 'x', method: 'GET', url: '/items/missing-x' },
      { id: 'y', method: 'GET', url: '/items/y', dependsOn: ['x'] },
      { id: 'z', method: 'GET', url: '/items/z', dependsOn: ['y', 'a'] },
    ]);
    const m = byId(r.body);
    assert.deepEqual(order, ['slow-a', 'b', 'c']);
    assert.equal(m.get('c')!.status, 200);
    assert.equal(m.get('y')!.status, 424);
    assert.equal(m.get('z')!.status, 424, 'failure propagates through the chain');
    assert.equal((m.get('y')!.body as { error: { code: string } }).error.code, 'failedDependency');
    assert.ok(
      r.body.responses.findIndex((x) => x.id === 'a') > r.body.responses.findIndex((x) => x.id === 'x'),
    );
  });

  it(`refuses more than ${MAX_BATCH_REQUESTS} requests and malformed batches with 400`, async () => {
    const many = Array.from({ length: MAX_BATCH_REQUESTS + 1 }, (_, i) => ({
      id: `${i}`,
      method: 'GET',
      url: '/items/a',
    }));
    const tooMany = await batch(many);
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.body.error?.code, 'invalidRequest');
    assert.equal((await batch(many.slice(0, MAX_BATCH_REQUESTS))).status, 200);
    const bad = [
      [],
      [{ id: '1', method: 'GET' }],
      [
        { id: '1', method: 'GET', url: '/items/a' },
        { id: '1', method: 'GET', url: '/items/b' },
      ],
      [{ id: '1', method: 'GET', url: '/items/a', dependsOn: ['9'] }],
      [
        { id: '1', method: 'GET', url: '/items/a', dependsOn: ['2'] },
        { id: '2', method: 'GET', url: '/items/b', dependsOn: ['1'] },
      ],
      [{ id: '1', method: 'GET', url: 'https://graph.microsoft.com/v1.0/me' }],
    ];
    for (const requests of bad) assert.equal((await batch(requests)).status, 400, JSON.stringify(requests));
  });

  it('refuses a nested batch inside a batch', async () => {
    const r = await batch([{ id: '1', method: 'POST', url: '/$batch', body: { requests: [] } }]);
    assert.equal(r.body.responses[0]!.status, 400);
  });

  it('needs a bearer token on the envelope', async () => {
    const r = await batch([{ id: '1', method: 'GET', url: '/items/a' }], '');
    assert.equal(r.status, 401);
  });

  it('charges and throttles each inner request on its own', async () => {
    fx.server.throttle.configure({ unitsPerWindow: 5 });
    fx.server.stats.reset();
    const r = await batch(
      Array.from({ length: 7 }, (_, i) => ({ id: `${i}`, method: 'GET', url: `/items/i${i}` })),
    );
    assert.equal(r.status, 200);
    const statuses = r.body.responses.map((x) => x.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    const throttled = r.body.responses.find((x) => x.status === 429)!;
    assert.ok(Number(throttled.headers['Retry-After']) >= 1);
    assert.equal(fx.server.stats.count({ route: 'item', inBatch: true }), 7);
    assert.equal(fx.server.stats.count({ route: '$batch', inBatch: false }), 1);
  });

  // graph-client 3.0.7 strips scheme and host but keeps '/v1.0', which Graph answers with 404
  // "Resource not found for the segment 'v1.0'"; the known workaround is a full URL without the version.
  it("works with graph-client's BatchRequestContent / BatchResponseContent", async () => {
    const token = fx.bearer();
    const client = Client.init({
      baseUrl: `${fx.baseUrl}/`,
      customHosts: new Set(['127.0.0.1']),
      fetchOptions: { dispatcher: fx.agent as unknown as RequestInit['dispatcher'] },
      authProvider: (done) => done(null, token),
    });
    const content = new BatchRequestContent([
      { id: '1', request: new Request(`${fx.baseUrl}/items/one`, { method: 'GET' }) },
      { id: '2', request: new Request(`${fx.baseUrl}/items/two`, { method: 'GET' }), dependsOn: ['1'] },
      {
        id: '3',
        request: new Request(`${fx.baseUrl}/v1.0/items/three`, { method: 'GET' }),
        dependsOn: ['2'],
      },
    ]);
    const raw = await client.api('/$batch').post(await content.getContent());
    const responses = new BatchResponseContent(raw);
    assert.deepEqual(await responses.getResponseById('2').json(), { id: 'two', tenant: TENANT, q: null });
    assert.equal(responses.getResponseById('3').status, 404);
  });
});
