import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import { fetch, request } from 'undici';
import { GraphError } from '../../src/emulator/http/errors.js';
import { UNMATCHED } from '../../src/emulator/http/stats.js';
import type { Route } from '../../src/emulator/http/types.js';
import { capturingLog, type HttpFixture, startHttpFixture } from '../helpers/http-fixture.js';
import { trustingAgent } from '../helpers/tls.js';

const log = capturingLog();

const routes: Route[] = [
  {
    method: 'GET',
    prefix: '/v1.0',
    pattern: /^\/ping$/,
    auth: 'bearer',
    name: 'ping',
    handler: () => ({ status: 200, json: { pong: true } }),
  },
  {
    method: 'GET',
    prefix: '/v1.0',
    pattern: /^\/drives\/(?<drive>[^/]+)\/items\/(?<item>[^/]+)$/,
    auth: 'bearer',
    handler: (ctx) => ({
      status: 200,
      json: { params: ctx.params, path: ctx.path, auth: ctx.auth, url: ctx.url.href },
    }),
  },
  {
    method: 'POST',
    prefix: '/v1.0',
    pattern: /^\/echo$/,
    auth: 'none',
    handler: async (ctx) => ({ status: 201, json: { got: await ctx.json() } }),
  },
  {
    method: 'GET',
    prefix: '/v1.0',
    pattern: /^\/boom$/,
    auth: 'none',
    handler: () => {
      throw new Error('handler bug');
    },
  },
  {
    method: 'GET',
    prefix: '/v1.0',
    pattern: /^\/gone$/,
    auth: 'none',
    handler: () => {
      throw new GraphError(410, 'resyncRequired', 'Resync needed.', 'resyncApplyDifferences', {
        Location: '/v1.0/fresh',
      });
    },
  },
  {
    method: 'GET',
    prefix: '',
    pattern: /^\/download\/(?<id>\w+)$/,
    auth: 'none',
    handler: (ctx) => ({
      status: 200,
      headers: { 'Content-Type': 'text/plain' },
      body: `file ${ctx.params.id}`,
    }),
  },
];

describe('emulator HTTP server', () => {
  let fx: HttpFixture;
  before(async () => {
    fx = await startHttpFixture({ routes, log, maxBodyBytes: 1024 });
  });
  after(() => fx.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${fx.baseUrl}${path}`, {
      dispatcher: fx.agent,
      headers: { authorization: `Bearer ${fx.bearer()}`, ...headers },
    });

  it('serves HTTPS on 127.0.0.1 that clients trusting the CA accept', async () => {
    assert.match(fx.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await get('/v1.0/ping');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { pong: true });
  });

  it('is refused by a client that does not trust the CA', async () => {
    await assert.rejects(fetch(`${fx.baseUrl}/v1.0/ping`), (err: Error & { cause?: { code?: string } }) => {
      assert.match(
        String(err.cause?.code),
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/,
      );
      return true;
    });
  });

  it('answers 401 with a challenge when a bearer route gets no token', async () => {
    const res = await fetch(`${fx.baseUrl}/v1.0/ping`, { dispatcher: fx.agent });
    assert.equal(res.status, 401);
    assert.match(
      res.headers.get('www-authenticate') ?? '',
      /^Bearer realm="", authorization_uri="https:\/\/127\.0\.0\.1:\d+\/common/,
    );
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'InvalidAuthenticationToken');
    assert.equal(body.error.message, 'Access token is empty.');
  });

  it('accepts the localhost name and keeps it in ctx.url', async () => {
    const url = `https://localhost:${fx.server.port}/v1.0/drives/b!x/items/a%20b`;
    const res = await fetch(url, {
      dispatcher: fx.agent,
      headers: { authorization: `Bearer ${fx.bearer()}` },
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { url: string }).url, url);
  });

  it('decodes named groups into params and strips the prefix from ctx.path', async () => {
    const res = await get('/v1.0/drives/b!abc/items/a%20b%2Fc');
    const body = (await res.json()) as {
      params: Record<string, string>;
      path: string;
      auth: { tenantId: string };
    };
    assert.deepEqual(body.params, { drive: 'b!abc', item: 'a b/c' });
    assert.equal(body.path, '/drives/b!abc/items/a%20b%2Fc');
    assert.equal(body.auth.tenantId, 'contoso-tenant-0001');
  });

  it('adds request-id, echoes client-request-id and labels JSON', async () => {
    const res = await get('/v1.0/ping', { 'client-request-id': 'abc-123' });
    assert.match(res.headers.get('request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('client-request-id'), 'abc-123');
    assert.equal(res.headers.get('content-type'), 'application/json');
  });

  it('answers unknown paths with a Graph-shaped 404 and wrong methods with 405 + Allow', async () => {
    const res = await get('/v1.0/nothing/here');
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string; innerError: Record<string, string> } };
    assert.equal(body.error.code, 'itemNotFound');
    assert.equal(body.error.innerError['request-id'], res.headers.get('request-id'));
    assert.ok(body.error.innerError.date);

    const wrong = await fetch(`${fx.baseUrl}/v1.0/ping`, { method: 'DELETE', dispatcher: fx.agent });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET');
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'invalidRequest');
  });

  it('does not let a prefix swallow a longer segment', async () => {
    const res = await get('/v1.0ping');
    assert.equal(res.status, 404);
  });

  it('turns a thrown GraphError into its status, body and headers', async () => {
    const res = await get('/v1.0/gone');
    assert.equal(res.status, 410);
    assert.equal(res.headers.get('location'), '/v1.0/fresh');
    const body = (await res.json()) as { error: { code: string; innerError: { code: string } } };
    assert.equal(body.error.code, 'resyncRequired');
    assert.equal(body.error.innerError.code, 'resyncApplyDifferences');
  });

  it('turns any other throw into a logged 500 generalException and keeps serving', async () => {
    const before = log.errors.length;
    const res = await get('/v1.0/boom');
    assert.equal(res.status, 500);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'generalException');
    assert.equal(log.errors.length, before + 1);
    assert.match(String((log.errors.at(-1)!.obj as { err: Error }).err.message), /handler bug/);
    assert.equal((await get('/v1.0/ping')).status, 200);
  });

  it('parses JSON bodies, rejects bad JSON with 400 and oversized bodies with 413', async () => {
    const post = (body: string) =>
      fetch(`${fx.baseUrl}/v1.0/echo`, {
        method: 'POST',
        body,
        dispatcher: fx.agent,
        headers: { 'content-type': 'application/json' },
      });
    const ok = await post('{"a":[1,2]}');
    assert.equal(ok.status, 201);
    assert.deepEqual(await ok.json(), { got: { a: [1, 2] } });
    const bad = await post('{nope');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'invalidRequest');
    const big = await post(JSON.stringify({ s: 'x'.repeat(2000) }));
    assert.equal(big.status, 413);
    await big.arrayBuffer();
    assert.equal((await post('{}')).status, 201, 'the connection survives the 413');
  });

  it('treats a client hanging up mid-body as a client fault (nothing logged, server fine)', async () => {
    const before = log.errors.length;
    const socket = connect({ host: '127.0.0.1', port: fx.server.port, ca: fx.tls.caPem });
    await once(socket, 'secureConnect');
    socket.write('POST /v1.0/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{"a":');
    await sleep(50);
    socket.destroy();
    await sleep(50);
    assert.equal(log.errors.length, before);
    assert.equal((await get('/v1.0/ping')).status, 200);
  });

  it('serves raw bodies on open routes outside /v1.0', async () => {
    const res = await fetch(`${fx.baseUrl}/download/abc`, { dispatcher: fx.agent });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(await res.text(), 'file abc');
  });

  it('counts requests by route name and status', async () => {
    fx.server.stats.reset();
    await (await get('/v1.0/ping')).arrayBuffer();
    await (await get('/v1.0/ping')).arrayBuffer();
    await (await get('/v1.0/nope')).arrayBuffer();
    const stats = fx.server.stats;
    assert.equal(stats.count({ route: 'ping' }), 2);
    assert.equal(stats.count({ route: 'ping', status: 200 }), 2);
    assert.equal(stats.count({ route: UNMATCHED, status: 404 }), 1);
    assert.equal(stats.count(), 3);
  });

  it('keeps connections alive: 2,000 sequential requests use one socket', async (t) => {
    const agent = trustingAgent(fx.tls.caPem, { connections: 1 });
    let connects = 0;
    agent.on('connect', () => {
      connects += 1;
    });
    const token = fx.bearer();
    const n = 2000;
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const res = await request(`${fx.baseUrl}/v1.0/ping`, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.statusCode, 200);
      await res.body.dump();
    }
    const seconds = (performance.now() - started) / 1000;
    await agent.close();
    assert.equal(connects, 1);
    t.diagnostic(`${n} sequential keep-alive requests: ${(n / seconds).toFixed(0)} req/s`);
  });
});
