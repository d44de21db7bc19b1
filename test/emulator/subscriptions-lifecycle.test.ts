import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { SubscriptionService } from '../../src/emulator/subscriptions/index.js';
import { eventually, inMinutes, Receiver, service, sleep, world } from './subscriptions-fixtures.js';

describe('subscriptions: lifecycle, expiry, close', () => {
  let rx: Receiver;
  let svc: SubscriptionService;
  let w: ReturnType<typeof world>;
  const subscribe = (over: Record<string, unknown> = {}) =>
    svc.create(w.caller, {
      changeType: 'updated',
      notificationUrl: rx.url(),
      lifecycleNotificationUrl: rx.url('/life'),
      resource: `/drives/${w.drive.id}/root`,
      expirationDateTime: inMinutes(60),
      clientState: 'cs',
      ...over,
    });
  const lifecycle = () => rx.notifications('/life').flatMap((n) => n.value);

  beforeEach(async () => {
    rx = await Receiver.start();
    svc = service();
    w = world();
  });
  afterEach(async () => {
    await svc.close();
    await rx.close();
  });

  it('posts lifecycle events to the lifecycle URL', async () => {
    const sub = await subscribe();
    assert.equal(svc.emitLifecycle(sub.id, 'missed'), true);
    await eventually(() => lifecycle().length === 1);
    assert.deepEqual(lifecycle()[0], {
      subscriptionId: sub.id,
      subscriptionExpirationDateTime: new Date(sub.expiresAt).toISOString(),
      tenantId: w.tenant.id,
      clientState: 'cs',
      lifecycleEvent: 'missed',
    });
    assert.equal(rx.notifications().length, 0, 'nothing to the notification URL');
    assert.equal(svc.get(w.caller, sub.id).id, sub.id, 'missed keeps the subscription');
  });

  it('subscriptionRemoved also ends the subscription', async () => {
    const sub = await subscribe();
    svc.emitLifecycle(sub.id, 'subscriptionRemoved');
    assert.throws(() => svc.get(w.caller, sub.id), { status: 404 });
    await eventually(() => lifecycle().some((e) => e.lifecycleEvent === 'subscriptionRemoved'));
    w.drive.createFolder(w.drive.root.id, 'x');
    await sleep(150);
    assert.equal(rx.notifications().length, 0);
    assert.equal(svc.emitLifecycle(sub.id, 'missed'), false, 'unknown now');
  });

  it('has nowhere to send lifecycle events without a lifecycle URL', async () => {
    const sub = await subscribe({ lifecycleNotificationUrl: undefined });
    assert.equal(svc.emitLifecycle(sub.id, 'reauthorizationRequired'), true);
    assert.equal(svc.emitLifecycle(sub.id, 'subscriptionRemoved'), true);
    assert.throws(() => svc.get(w.caller, sub.id), { status: 404 });
    await sleep(100);
    assert.equal(svc.stats.lifecycle, 0);
    assert.equal(rx.notifications('/life').length, 0);
  });

  it('refuses lifecycle events Graph does not have', async () => {
    const sub = await subscribe();
    assert.throws(() => svc.emitLifecycle(sub.id, 'deleted'), { status: 400 });
    assert.equal(svc.get(w.caller, sub.id).id, sub.id);
  });

  it('sends reauthorizationRequired once when expiry nears, again after a renewal', async () => {
    const sub = await subscribe({ expirationDateTime: inMinutes(5) });
    await subscribe({ expirationDateTime: inMinutes(60) });
    await subscribe({ expirationDateTime: inMinutes(5), lifecycleNotificationUrl: undefined });
    await eventually(() => lifecycle().length === 1);
    await sleep(150);
    assert.deepEqual(
      lifecycle().map((e) => [e.subscriptionId, e.lifecycleEvent]),
      [[sub.id, 'reauthorizationRequired']],
    );
    svc.renew(w.caller, sub.id, { expirationDateTime: inMinutes(8) });
    await eventually(() => lifecycle().length === 2);
    await sleep(100);
    assert.equal(lifecycle().length, 2);
    svc.renew(w.caller, sub.id, { expirationDateTime: inMinutes(30) });
    await sleep(100);
    assert.equal(lifecycle().length, 2, 'outside the window: nothing');
  });

  it('sends missed when a change notification is abandoned', async () => {
    const sub = await subscribe();
    rx.answer = (r) =>
      r.query.has('validationToken')
        ? { status: 200, body: r.query.get('validationToken')!, contentType: 'text/plain' }
        : r.path === '/life'
          ? { status: 202 }
          : { status: 500 };
    w.drive.createFolder(w.drive.root.id, 'x');
    await eventually(() => lifecycle().length === 1, 3_000);
    assert.equal(lifecycle()[0]!.lifecycleEvent, 'missed');
    assert.equal(lifecycle()[0]!.subscriptionId, sub.id);
    assert.equal(svc.stats.gaveUp, 1);
  });

  it('stops notifying at expiry and answers 404 afterwards', async () => {
    const exp = new Date(Date.now() + 400).toISOString();
    const sub = await subscribe({ expirationDateTime: exp, lifecycleNotificationUrl: undefined });
    w.drive.createFolder(w.drive.root.id, 'before');
    await eventually(() => rx.notifications().length === 1);
    await sleep(Date.parse(exp) - Date.now() + 20);
    assert.throws(() => svc.get(w.caller, sub.id), { status: 404 });
    assert.throws(() => svc.renew(w.caller, sub.id, { expirationDateTime: inMinutes(10) }), { status: 404 });
    assert.equal(svc.list(w.caller).length, 0);
    w.drive.createFolder(w.drive.root.id, 'after');
    await sleep(200);
    assert.equal(rx.notifications().length, 1);
  });

  it('close() stops retries, debounces and the sweep', async () => {
    await subscribe();
    rx.answer = (r) =>
      r.query.has('validationToken')
        ? { status: 200, body: r.query.get('validationToken')!, contentType: 'text/plain' }
        : { status: 500 };
    w.drive.createFolder(w.drive.root.id, 'x');
    await eventually(() => svc.stats.retried >= 1);
    w.drive.createFolder(w.drive.root.id, 'y');
    await svc.close();
    const { sent, notifications } = svc.stats;
    const seen = rx.requests.length;
    await sleep(300);
    assert.equal(svc.stats.sent, sent);
    assert.equal(svc.stats.notifications, notifications);
    assert.equal(rx.requests.length, seen);
    await assert.rejects(subscribe(), { status: 400 });
  });
});
