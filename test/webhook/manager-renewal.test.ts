import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { type ModeChange, SubscriptionManager } from '../../src/webhook/index.js';
import { testTls } from '../helpers/tls.js';
import { eventually, next, recordingLog, type World, world } from './fixture.js';

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

/** A plain reverse proxy on `port` in front of `target`, as a tunnel would be. */
async function proxy(port: number, target: number): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    const up = http.request(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  s.listen(port, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

describe('SubscriptionManager: renewal, recreation, fallback', () => {
  let w: World | undefined;
  let extra: http.Server | undefined;
  afterEach(async () => {
    await w?.close();
    extra?.closeAllConnections();
    extra?.close();
    w = undefined;
    extra = undefined;
  });

  it('renews on its timer before expiry', async () => {
    // No lifecycle URL: the emulator would otherwise send reauthorizationRequired for so short a life.
    w = await world({ manager: { lifetimeMs: 6_000, lifecycleNotifications: false } });
    await w.manager.ensure(w.driveId);
    const id = w.manager.subscriptionId(w.driveId);
    const first = (await w.serverSubscriptions())[0]!.expirationDateTime;
    await eventually(() => w!.manager.stats.renewed >= 2, 30_000, 'two renewals');
    const [sub] = await w.serverSubscriptions();
    assert.equal(sub!.id, id);
    assert.ok(Date.parse(sub!.expirationDateTime) > Date.parse(first));
    assert.equal(w.manager.stats.recreated, 0);
    assert.equal(w.manager.mode(w.driveId), 'webhook');
  });

  it('recreates when the renewal finds the subscription gone (404)', async () => {
    w = await world({ manager: { lifetimeMs: 6_000, lifecycleNotifications: false } });
    await w.manager.ensure(w.driveId);
    const id = w.manager.subscriptionId(w.driveId)!;
    await w.ec.graph.api(`/subscriptions/${id}`).delete();
    const resubscribed = next(w.manager.wake$, (x) => x.reason === 'subscribed', 30_000);
    await resubscribed;
    const fresh = w.manager.subscriptionId(w.driveId);
    assert.notEqual(fresh, id);
    assert.deepEqual(
      (await w.serverSubscriptions()).map((s) => s.id),
      [fresh],
    );
    assert.equal(w.manager.stats.recreated, 1);
    assert.equal(w.manager.stats.renewed, 0);
    // Recreated on the 404 itself, not later when the expiry ran out.
    assert.equal(w.manager.stats.renewFailures, 0);
    // The old id is forgotten: its notifications would now count as unknown.
    const change = next(w.receiver.changes$);
    await w.remote({ op: 'createFolder', parent: '/', name: 'y' });
    assert.equal((await change).subscriptionId, fresh);
  });

  it('falls back to polling once when Graph cannot reach the receiver, and recovers when it can', async () => {
    const port = await closedPort();
    w = await world({ receiver: { publicUrl: `http://127.0.0.1:${port}` } });
    const modes: ModeChange[] = [];
    w.manager.mode$.subscribe((m) => modes.push(m));
    assert.equal(await w.manager.ensure(w.driveId), 'polling');
    assert.equal(w.manager.mode(w.driveId), 'polling');
    await eventually(() => w!.manager.stats.createFailures >= 4, 15_000, 'retries');
    const fallbacks = w.log.lines.filter((l) => l.msg.includes('falling back to polling'));
    assert.equal(fallbacks.length, 1);
    assert.equal(fallbacks[0]!.level, 'warn');
    assert.match(fallbacks[0]!.msg, new RegExp(w.driveId));
    assert.deepEqual(await w.serverSubscriptions(), []);

    extra = await proxy(port, w.receiver.port);
    await eventually(() => w!.manager.mode(w!.driveId) === 'webhook', 15_000, 'webhook mode');
    assert.deepEqual(
      modes.map((m) => m.mode),
      ['polling', 'webhook'],
    );
    assert.equal(w.log.lines.filter((l) => l.msg.includes('falling back to polling')).length, 1);
    assert.equal(
      w.log.lines.filter((l) => l.level === 'info' && l.msg.includes('available again')).length,
      1,
    );
    const change = next(w.receiver.changes$);
    await w.remote({ op: 'createFolder', parent: '/', name: 'via-proxy' });
    assert.equal((await change).driveId, w.driveId);
  });

  it('polls every drive, saying so once, when there is no receiver at all', async () => {
    w = await world();
    const log = recordingLog();
    const m = new SubscriptionManager({ api: w.api, log });
    const modes: ModeChange[] = [];
    m.mode$.subscribe((x) => modes.push(x));
    for (const d of w.ec.em.info.drives) assert.equal(await m.ensure(d.id), 'polling');
    assert.equal(await m.ensure(w.driveId), 'polling');
    assert.equal(log.lines.length, 1);
    assert.match(log.lines[0]!.msg, /polling/);
    assert.equal(modes.length, w.ec.em.info.drives.length);
    assert.deepEqual(await w.serverSubscriptions(), []);
    await m.close();
  });

  it('works over HTTPS with a receiver certificate Graph trusts', async () => {
    const tls = await testTls();
    w = await world({
      emulator: { webhookCa: tls.caPem },
      receiver: { tls: { cert: tls.certPem, key: tls.keyPem } },
    });
    assert.match(w.receiver.notificationUrl, /^https:\/\/127\.0\.0\.1:\d+\/notifications$/);
    assert.equal(await w.manager.ensure(w.driveId), 'webhook');
    const change = next(w.receiver.changes$);
    await w.remote({ op: 'createFolder', parent: '/', name: 'tls' });
    assert.equal((await change).driveId, w.driveId);
  });

  it('refuses to subscribe before the receiver listens', async () => {
    w = await world();
    await w.receiver.close();
    await assert.rejects(w.manager.ensure(w.driveId), /not listening/);
    assert.deepEqual(await w.serverSubscriptions(), []);
  });
});
