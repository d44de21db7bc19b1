import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { rng } from '../../src/emulator/model/rng.js';
import type { SubscriptionService } from '../../src/emulator/subscriptions/index.js';
import {
  eventually,
  inMinutes,
  type Knobs,
  Receiver,
  service,
  sleep,
  world,
} from './subscriptions-fixtures.js';

describe('subscriptions: change notifications', () => {
  let rx: Receiver;
  let svc: SubscriptionService;
  let knobs: Knobs;
  let w: ReturnType<typeof world>;
  const subscribe = (resource: string, clientState: string, path = '/hook') =>
    svc.create(w.caller, {
      changeType: 'updated',
      notificationUrl: rx.url(path),
      resource,
      expirationDateTime: inMinutes(60),
      clientState,
    });

  beforeEach(async () => {
    rx = await Receiver.start();
    knobs = { debounceMs: 30 };
    svc = service(knobs);
    w = world();
  });
  afterEach(async () => {
    await svc.close();
    await rx.close();
  });

  it('batches every subscription due at once into one POST per URL, across drives', async () => {
    const a = await subscribe(`/drives/${w.drive.id}/root`, 'state-a');
    const b = await subscribe(`drives/${w.drive.id}/root`, 'state-b');
    const c = await subscribe(`/drives/${w.other.id}/root`, 'state-c');
    const d = await subscribe(`/drives/${w.other.id}/root`, 'state-d', '/elsewhere');
    w.drive.createFolder(w.drive.root.id, 'x');
    w.other.createFolder(w.other.root.id, 'y');
    await eventually(() => rx.notifications().length >= 1 && rx.notifications('/elsewhere').length >= 1);
    await sleep(150);
    assert.equal(rx.notifications().length, 1, 'one POST to /hook');
    const entries = rx.notifications()[0]!.value;
    assert.deepEqual(entries.map((e) => e.subscriptionId).sort(), [a.id, b.id, c.id].sort());
    for (const e of entries) {
      const sub = [a, b, c].find((s) => s.id === e.subscriptionId)!;
      assert.equal(e.clientState, sub.clientState);
      assert.equal(e.resource, sub.resource);
      assert.equal(e.changeType, 'updated');
      assert.equal(e.tenantId, w.tenant.id);
      assert.equal(e.subscriptionExpirationDateTime, new Date(sub.expiresAt).toISOString());
    }
    assert.deepEqual(
      rx.notifications('/elsewhere').map((n) => n.value.map((e) => e.subscriptionId)),
      [[d.id]],
    );
    assert.ok(
      rx.requests.filter((r) => !r.query.has('validationToken')).every((r) => /json/.test(r.contentType)),
    );
  });

  it('debounces a burst of changes into one POST, and notifies again for a later change', async () => {
    await subscribe(`/drives/${w.drive.id}/root`, 's');
    for (let i = 0; i < 10; i++) w.drive.createFolder(w.drive.root.id, `burst-${i}`);
    await eventually(() => rx.notifications().length >= 1);
    await sleep(150);
    assert.equal(rx.notifications().length, 1);
    assert.equal(rx.notifications()[0]!.value.length, 1, 'one entry for the one subscription');
    w.drive.createFolder(w.drive.root.id, 'later');
    await eventually(() => rx.notifications().length >= 2);
    await sleep(150);
    assert.equal(rx.notifications().length, 2);
  });

  it('does not starve under a steady stream of changes', async () => {
    await subscribe(`/drives/${w.drive.id}/root`, 's');
    const until = Date.now() + 600;
    let i = 0;
    while (Date.now() < until) {
      w.drive.createFolder(w.drive.root.id, `steady-${i++}`);
      await sleep(10);
    }
    assert.ok(rx.notifications().length >= 1, 'notified while changes kept coming');
  });

  it('sends nothing for drives without subscriptions', async () => {
    await subscribe(`/drives/${w.drive.id}/root`, 's');
    w.other.createFolder(w.other.root.id, 'quiet');
    await sleep(200);
    assert.equal(rx.notifications().length, 0);
    assert.equal(svc.stats.notifications, 0);
  });

  it('retries after a 500 with backoff until delivered', async () => {
    await subscribe(`/drives/${w.drive.id}/root`, 's');
    let failures = 2;
    rx.answer = (r) =>
      r.query.has('validationToken')
        ? { status: 200, body: r.query.get('validationToken')!, contentType: 'text/plain' }
        : failures-- > 0
          ? { status: 500 }
          : { status: 202 };
    w.drive.createFolder(w.drive.root.id, 'x');
    await eventually(() => svc.stats.delivered === 1);
    const posts = rx.requests.filter((r) => !r.query.has('validationToken'));
    assert.equal(posts.length, 3);
    assert.equal(posts[1]!.body, posts[0]!.body, 'a retry repeats the same notification');
    assert.ok(posts[1]!.at - posts[0]!.at >= 35, 'first retry after ~40 ms');
    assert.ok(posts[2]!.at - posts[1]!.at >= 75, 'second retry after ~80 ms');
    assert.equal(svc.stats.sent, 3);
    assert.equal(svc.stats.failed, 2);
    assert.equal(svc.stats.retried, 2);
  });

  it('treats an answer slower than the limit as a failure and retries', async () => {
    await subscribe(`/drives/${w.drive.id}/root`, 's');
    let slow = true;
    rx.answer = (r) => {
      if (r.query.has('validationToken')) {
        return { status: 200, body: r.query.get('validationToken')!, contentType: 'text/plain' };
      }
      const a = slow ? { status: 202, delayMs: 500 } : { status: 202 };
      slow = false;
      return a;
    };
    w.drive.createFolder(w.drive.root.id, 'x');
    await eventually(() => svc.stats.delivered === 1);
    assert.equal(svc.stats.failed, 1);
    assert.equal(svc.stats.retried, 1);
  });

  it('gives up after the retry window', async () => {
    await subscribe(`/drives/${w.drive.id}/root`, 's');
    rx.answer = (r) =>
      r.query.has('validationToken')
        ? { status: 200, body: r.query.get('validationToken')!, contentType: 'text/plain' }
        : { status: 503 };
    w.drive.createFolder(w.drive.root.id, 'x');
    await eventually(() => svc.stats.gaveUp === 1, 3_000);
    const attempts = svc.stats.sent;
    assert.ok(attempts >= 4 && attempts <= 10, `bounded attempts, got ${attempts}`);
    await sleep(300);
    assert.equal(svc.stats.sent, attempts, 'no attempts after giving up');
  });

  it('drops notifications the fault plan drops', async () => {
    await subscribe(`/drives/${w.drive.id}/root`, 's');
    knobs.faults = { pDrop: 1, pDuplicate: 0, delayMs: 0 };
    w.drive.createFolder(w.drive.root.id, 'x');
    await eventually(() => svc.stats.dropped === 1);
    await sleep(100);
    assert.equal(rx.notifications().length, 0);
    assert.equal(svc.stats.sent, 0);
    // Faults are read at send time: clearing them restores delivery.
    knobs.faults = undefined;
    w.drive.createFolder(w.drive.root.id, 'y');
    await eventually(() => rx.notifications().length === 1);
  });

  it('duplicates notifications the fault plan duplicates', async () => {
    await subscribe(`/drives/${w.drive.id}/root`, 's');
    knobs.faults = { pDrop: 0, pDuplicate: 1, delayMs: 0 };
    w.drive.createFolder(w.drive.root.id, 'x');
    await eventually(() => rx.notifications().length === 2);
    // The receiver records a POST before it answers: the deliverer counts it only after.
    await svc.idle();
    assert.deepEqual(rx.notifications()[0], rx.notifications()[1]);
    assert.equal(svc.stats.duplicated, 1);
    assert.equal(svc.stats.delivered, 2);
  });

  it('delays notifications by delayMs plus jitter', async () => {
    // Jitter drawn at one half: the lower bound then proves it is added, and the upper bound
    // keeps room for a loaded machine (the default seed draws 0.95, close to the bound).
    await svc.close();
    svc = service(knobs, { random: () => 0.5 });
    await subscribe(`/drives/${w.drive.id}/root`, 's');
    knobs.faults = { pDrop: 0, pDuplicate: 0, delayMs: 250 };
    const t0 = Date.now();
    w.drive.createFolder(w.drive.root.id, 'x');
    await eventually(() => rx.notifications().length === 1);
    const arrived = rx.requests.at(-1)!.at - t0;
    assert.ok(arrived >= 250 + 125 + 30, `arrived after ${arrived} ms`);
    assert.ok(arrived < 250 * 2 + 30 + 200, `arrived after ${arrived} ms`);
    assert.equal(svc.stats.delayed, 1);
  });

  it('makes the same fault decisions for the same seed', async () => {
    const decide = async (seed: number) => {
      const local = service(
        { debounceMs: 0, faults: { pDrop: 0.5, pDuplicate: 0, delayMs: 0 } },
        { random: rng(seed) },
      );
      const ww = world();
      const lr = await Receiver.start();
      try {
        await local.create(ww.caller, {
          changeType: 'updated',
          notificationUrl: lr.url(),
          resource: `/drives/${ww.drive.id}/root`,
          expirationDateTime: inMinutes(60),
        });
        for (let i = 0; i < 12; i++) {
          ww.drive.createFolder(ww.drive.root.id, `f${i}`);
          await eventually(() => local.stats.notifications === i + 1);
        }
        await local.idle();
        return { dropped: local.stats.dropped, delivered: local.stats.delivered };
      } finally {
        await local.close();
        await lr.close();
      }
    };
    const first = await decide(7);
    assert.deepEqual(await decide(7), first);
    assert.ok(first.dropped > 0 && first.delivered > 0, JSON.stringify(first));
  });
});
