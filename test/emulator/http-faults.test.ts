import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fetch, request } from 'undici';
import { FaultPlan } from '../../src/emulator/http/faults.js';
import { RESET_STATUS } from '../../src/emulator/http/stats.js';
import type { Route } from '../../src/emulator/http/types.js';
import { APP, type HttpFixture, startHttpFixture, TENANT } from '../helpers/http-fixture.js';

const noisy = { p429: 0.2, p503: 0.2, pReset: 0.1, pTruncate: 0.1, latencyMs: 5, jitterMs: 50 };

describe('FaultPlan', () => {
  it('makes the same decisions in the same order for the same seed', () => {
    const a = new FaultPlan({ ...noisy, seed: 42 });
    const b = new FaultPlan({ ...noisy, seed: 42 });
    const c = new FaultPlan({ ...noisy, seed: 43 });
    const run = (p: FaultPlan) => Array.from({ length: 200 }, () => p.decide('graph'));
    const ra = run(a);
    assert.deepEqual(ra, run(b));
    assert.notDeepEqual(ra, run(c));
    const kinds = new Set(ra.map((d) => d?.fault ?? 'none'));
    assert.deepEqual([...kinds].sort(), ['429', '503', 'none', 'reset', 'truncate']);
  });

  it('draws nothing for out-of-scope routes, so they do not shift the sequence', () => {
    const a = new FaultPlan({ ...noisy, seed: 7 });
    const b = new FaultPlan({ ...noisy, seed: 7 });
    const seqA = Array.from({ length: 50 }, () => a.decide('graph'));
    const seqB = Array.from({ length: 50 }, () => {
      assert.equal(b.decide('auth'), undefined);
      assert.equal(b.decide('control'), undefined);
      return b.decide('content');
    });
    assert.deepEqual(seqA, seqB);
  });

  it('scopes: "all" = graph + content; auth only when named', () => {
    const p = new FaultPlan();
    assert.equal(p.inScope('graph'), true);
    assert.equal(p.inScope('content'), true);
    assert.equal(p.inScope('auth'), false);
    p.setFaults({ scope: 'content' });
    assert.equal(p.inScope('graph'), false);
    p.setFaults({ scope: ['graph', 'auth'] });
    assert.equal(p.inScope('auth'), true);
    assert.equal(p.inScope('content'), false);
  });

  it('honours probabilities and latency bounds', () => {
    const p = new FaultPlan({ seed: 3, p429: 0.3, latencyMs: 100, jitterMs: 20 });
    const ds = Array.from({ length: 2000 }, () => p.decide('graph')!);
    const n429 = ds.filter((d) => d.fault === '429').length;
    assert.ok(n429 > 500 && n429 < 700, `${n429} of 2000`);
    assert.ok(ds.every((d) => d.latencyMs >= 100 && d.latencyMs < 120));
    assert.ok(ds.some((d) => d.latencyMs >= 115));
  });

  it('merges partial updates, hands out copies, and reseeds on a new seed', () => {
    const p = new FaultPlan({ seed: 9, notification: { pDrop: 0.5 } });
    p.setFaults({ notification: { delayMs: 100 } });
    const s = p.getFaults();
    assert.deepEqual(s.notification, { pDrop: 0.5, pDuplicate: 0, delayMs: 100 });
    s.p429 = 1;
    assert.equal(p.getFaults().p429, 0);
    p.setFaults({ p429: 0.5 });
    const first = Array.from({ length: 20 }, () => p.decide('graph'));
    p.setFaults({ seed: 9 });
    assert.deepEqual(
      Array.from({ length: 20 }, () => p.decide('graph')),
      first,
    );
  });

  it('ignores ranges with pIgnoreRange, on its own stream', () => {
    const p = new FaultPlan({ seed: 11, p429: 0.5 });
    assert.equal(p.ignoreRange(), false);
    p.setFaults({ pIgnoreRange: 1 });
    assert.equal(p.ignoreRange(), true);
    p.setFaults({ pIgnoreRange: 0.5 });
    const hits = Array.from({ length: 1000 }, () => p.ignoreRange()).filter(Boolean).length;
    assert.ok(hits > 400 && hits < 600, `${hits}`);
    const q = new FaultPlan({ seed: 11, p429: 0.5 });
    assert.deepEqual(
      Array.from({ length: 10 }, () => p.decide('graph')),
      Array.from({ length: 10 }, () => q.decide('graph')),
    );
  });

  it('counts down forced resyncs', () => {
    const p = new FaultPlan({ forceResync: 2 });
    assert.deepEqual([p.takeForcedResync(), p.takeForcedResync(), p.takeForcedResync()], [true, true, false]);
  });

  it('gives other modules their own seeded streams', () => {
    const a = new FaultPlan({ seed: 5 });
    const b = new FaultPlan({ seed: 5 });
    a.decide('graph');
    const na = [a.random('notification'), a.random('notification')];
    assert.deepEqual(na, [b.random('notification'), b.random('notification')]);
    assert.notDeepEqual(na, [a.random('other'), a.random('other')]);
  });
});

describe('faults applied by the server', () => {
  let fx: HttpFixture;
  const faults = new FaultPlan();
  let handled = 0;
  const big = Buffer.alloc(200_000, 7);
  const routes: Route[] = [
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: /^\/item$/,
      auth: 'bearer',
      handler: () => {
        handled += 1;
        return { status: 200, json: { id: 'x', name: 'a'.repeat(1000) } };
      },
    },
    {
      method: 'GET',
      prefix: '',
      pattern: /^\/content\/(?<mode>sized|chunked)$/,
      auth: 'none',
      handler: (ctx) => ({
        status: 200,
        headers: ctx.params.mode === 'sized' ? { 'Content-Length': big.length } : undefined,
        body: Readable.from([big.subarray(0, 100_000), big.subarray(100_000)]),
      }),
    },
  ];
  routes.push({
    method: 'GET',
    prefix: '/_control',
    pattern: /^\/faults$/,
    auth: 'none',
    handler: () => ({ status: 200, json: faults.getFaults() }),
  });
  before(async () => {
    fx = await startHttpFixture({ routes, faults });
  });
  after(() => fx.close());
  beforeEach(() => {
    faults.setFaults({
      seed: 1,
      scope: 'all',
      p429: 0,
      p503: 0,
      pReset: 0,
      pTruncate: 0,
      latencyMs: 0,
      jitterMs: 0,
    });
    faults.setFaults({ bandwidthBytesPerSec: 0, retryAfterSec: 1 });
    handled = 0;
  });

  const getItem = () =>
    request(`${fx.baseUrl}/v1.0/item`, {
      dispatcher: fx.agent,
      headers: { authorization: `Bearer ${fx.bearer()}` },
    });

  it('adds latency to in-scope routes only', async () => {
    faults.setFaults({ latencyMs: 500 });
    let t = performance.now();
    await (await getItem()).body.dump();
    assert.ok(performance.now() - t >= 495);
    t = performance.now();
    const res = await fetch(`${fx.baseUrl}/${TENANT}/v2.0/.well-known/openid-configuration`, {
      dispatcher: fx.agent,
    });
    await res.arrayBuffer();
    assert.ok(performance.now() - t < 400, 'the auth endpoints are out of scope');
  });

  it('injects 429 and 503 with Retry-After, without running the handler', async () => {
    faults.setFaults({ p429: 1, retryAfterSec: 3 });
    const r429 = await getItem();
    assert.equal(r429.statusCode, 429);
    assert.equal(r429.headers['retry-after'], '3');
    assert.equal(
      ((await r429.body.json()) as { error: { code: string } }).error.code,
      'activityLimitReached',
    );
    faults.setFaults({ p429: 0, p503: 1 });
    const r503 = await getItem();
    assert.equal(r503.statusCode, 503);
    assert.equal(r503.headers['retry-after'], '3');
    assert.equal(((await r503.body.json()) as { error: { code: string } }).error.code, 'serviceNotAvailable');
    assert.equal(handled, 0);
  });

  it('resets the connection after the handler ran, with no response at all', async () => {
    faults.setFaults({ pReset: 1 });
    fx.server.stats.reset();
    await assert.rejects(getItem(), (err: Error) =>
      /other side closed|socket|ECONNRESET/i.test(`${err.message} ${err.name}`),
    );
    assert.equal(handled, 1);
    assert.equal(fx.server.stats.count({ status: RESET_STATUS }), 1);
    faults.setFaults({ pReset: 0 });
    assert.equal((await getItem()).statusCode, 200, 'the next connection works');
  });

  const receive = async (res: Awaited<ReturnType<typeof request>>) => {
    let bytes = 0;
    try {
      for await (const chunk of res.body) bytes += (chunk as Buffer).length;
      return { bytes, failed: false };
    } catch {
      return { bytes, failed: true };
    }
  };

  it('truncates JSON replies: full Content-Length announced, about half delivered, then a dropped connection', async () => {
    faults.setFaults({ pTruncate: 1 });
    const res = await getItem();
    assert.equal(res.statusCode, 200);
    const announced = Number(res.headers['content-length']);
    const got = await receive(res);
    assert.equal(got.failed, true);
    assert.ok(got.bytes > 0 && got.bytes < announced, `${got.bytes} of ${announced}`);
  });

  it('truncates streamed bodies with and without a known length', async () => {
    faults.setFaults({ pTruncate: 1 });
    const sized = await request(`${fx.baseUrl}/content/sized`, { dispatcher: fx.agent });
    assert.equal(sized.headers['content-length'], String(big.length));
    const a = await receive(sized);
    assert.equal(a.failed, true);
    assert.equal(a.bytes, big.length / 2);
    const chunked = await request(`${fx.baseUrl}/content/chunked`, { dispatcher: fx.agent });
    const b = await receive(chunked);
    assert.equal(b.failed, true, 'no terminating chunk');
  });

  it('paces raw bodies to bandwidthBytesPerSec', async () => {
    faults.setFaults({ bandwidthBytesPerSec: 400_000 });
    const t = performance.now();
    const res = await request(`${fx.baseUrl}/content/sized`, { dispatcher: fx.agent });
    assert.equal((await receive(res)).bytes, big.length);
    const seconds = (performance.now() - t) / 1000;
    assert.ok(seconds >= 0.45 && seconds < 5, `${seconds}s for 200 kB at 400 kB/s`);
  });

  it('never faults the control API (prefix /_control) under the default scope', async () => {
    faults.setFaults({ p503: 1 });
    const res = await request(`${fx.baseUrl}/_control/faults`, { dispatcher: fx.agent });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  });

  it('leaves the token endpoint alone unless the scope names auth', async () => {
    faults.setFaults({ p503: 1 });
    const token = () =>
      request(`${fx.baseUrl}/${TENANT}/oauth2/v2.0/token`, {
        method: 'POST',
        dispatcher: fx.agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: APP.clientId,
          client_secret: APP.clientSecret,
          scope: 'https://graph.microsoft.com/.default',
        }).toString(),
      });
    const ok = await token();
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    faults.setFaults({ scope: 'auth' });
    const failed = await token();
    assert.equal(failed.statusCode, 503);
    await failed.body.dump();
  });

  it('replays the same fault sequence for the same seed', async () => {
    const observe = async () => {
      faults.setFaults({ seed: 1234, p429: 0.3, p503: 0.3 });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await getItem();
        statuses.push(res.statusCode);
        await res.body.dump();
      }
      return statuses;
    };
    const first = await observe();
    assert.deepEqual(await observe(), first);
    assert.ok(first.includes(200) && first.includes(429) && first.includes(503), first.join(','));
  });
});
