import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { ChangeNotice, ModeChange, Wake } from '../../src/webhook/index.js';
import { eventually, next, sleep, type World, world } from './fixture.js';

describe('SubscriptionManager with the emulator', () => {
  let w: World;
  const wakes: Wake[] = [];
  const modes: ModeChange[] = [];
  const changes: ChangeNotice[] = [];
  let subId: string;

  before(async () => {
    w = await world();
    w.manager.wake$.subscribe((x) => wakes.push(x));
    w.manager.mode$.subscribe((x) => modes.push(x));
    w.receiver.changes$.subscribe((x) => changes.push(x));
  });
  after(() => w.close());

  it('creates the subscription through a real validation handshake', async () => {
    assert.equal(await w.manager.ensure(w.driveId), 'webhook');
    assert.equal(w.manager.mode(w.driveId), 'webhook');
    subId = w.manager.subscriptionId(w.driveId)!;
    assert.ok(subId);
    // Notification URL and lifecycle URL are validated separately.
    assert.equal(w.receiver.stats.validations, 2);
    const [sub, ...others] = await w.serverSubscriptions();
    assert.equal(others.length, 0);
    assert.equal(sub!.id, subId);
    assert.equal(sub!.resource, `/drives/${encodeURIComponent(w.driveId)}/root`);
    assert.equal(sub!.notificationUrl, w.receiver.notificationUrl);
    assert.equal(sub!.lifecycleNotificationUrl, w.receiver.lifecycleNotificationUrl);
    assert.match(sub!.clientState!, /^[A-Za-z0-9_-]{43}$/);
    const lifetime = Date.parse(sub!.expirationDateTime) - Date.now();
    assert.ok(lifetime > 2.9 * 86_400_000 && lifetime <= 3 * 86_400_000, `lifetime ${lifetime} ms`);
    assert.deepEqual(modes, [{ driveId: w.driveId, mode: 'webhook' }]);
    assert.deepEqual(
      wakes.map((x) => [x.driveId, x.reason]),
      [[w.driveId, 'subscribed']],
    );
    assert.deepEqual(
      await Promise.all([w.manager.ensure(w.driveId), w.manager.ensure(w.driveId)]),
      ['webhook', 'webhook'],
      'ensure is idempotent',
    );
    assert.equal((await w.serverSubscriptions()).length, 1);
  });

  it('turns a remote change into a change event and a wake for the drive', async () => {
    const change = next(w.receiver.changes$);
    const wake = next(w.manager.wake$, (x) => x.reason === 'notification');
    const t0 = Date.now();
    await w.remote({ op: 'createFolder', parent: '/', name: 'x' });
    const n = await change;
    assert.equal(n.subscriptionId, subId);
    assert.equal(n.driveId, w.driveId);
    assert.equal(n.resource, `/drives/${encodeURIComponent(w.driveId)}/root`);
    assert.ok(n.receivedAt - t0 < 5_000);
    assert.deepEqual((await wake).driveId, w.driveId);
    assert.equal(w.receiver.stats.rejectedClientState, 0);
  });

  it('ignores and counts a notification with a forged clientState', async () => {
    const before = { ...w.receiver.stats };
    const res = await request(w.receiver.notificationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: subId,
            clientState: 'guessed',
            changeType: 'updated',
            resource: `/drives/${w.driveId}/root`,
          },
        ],
      }),
    });
    await res.body.dump();
    assert.equal(res.statusCode, 202);
    assert.equal(w.receiver.stats.rejectedClientState, before.rejectedClientState + 1);
    assert.equal(w.receiver.stats.accepted, before.accepted);
    const seen = changes.length;
    await sleep(100);
    assert.equal(changes.length, seen);
  });

  it('passes duplicated notifications on (the delta run dedupes them)', async () => {
    await w.ec.control('PATCH', '/faults', { notification: { pDuplicate: 1 } });
    try {
      const seen = changes.length;
      await w.remote({ op: 'createFolder', parent: '/', name: 'dup' });
      await eventually(() => changes.length >= seen + 2, 10_000, 'two copies');
      assert.ok(changes.slice(seen).every((c) => c.subscriptionId === subId));
    } finally {
      await w.ec.control('PATCH', '/faults', { notification: { pDuplicate: 0 } });
    }
  });

  it('renews at once on reauthorizationRequired', async () => {
    const before = (await w.serverSubscriptions())[0]!.expirationDateTime;
    const renewed = w.manager.stats.renewed;
    await sleep(20); // so the new expiry differs in its milliseconds
    await w.lifecycle(subId, 'reauthorizationRequired');
    await eventually(() => w.manager.stats.renewed === renewed + 1);
    const after = (await w.serverSubscriptions())[0]!;
    assert.equal(after.id, subId);
    assert.ok(
      Date.parse(after.expirationDateTime) > Date.parse(before),
      `${after.expirationDateTime} > ${before}`,
    );
  });

  it('wakes the drive on missed', async () => {
    const wake = next(w.manager.wake$, (x) => x.reason === 'missed');
    await w.lifecycle(subId, 'missed');
    assert.equal((await wake).driveId, w.driveId);
    assert.equal(w.manager.subscriptionId(w.driveId), subId, 'missed keeps the subscription');
  });

  it('recreates on subscriptionRemoved and wakes the drive', async () => {
    const resubscribed = next(w.manager.wake$, (x) => x.reason === 'subscribed');
    await w.lifecycle(subId, 'subscriptionRemoved');
    assert.equal((await resubscribed).driveId, w.driveId);
    const fresh = w.manager.subscriptionId(w.driveId)!;
    assert.notEqual(fresh, subId);
    assert.deepEqual(
      (await w.serverSubscriptions()).map((s) => s.id),
      [fresh],
    );
    assert.equal(w.manager.stats.recreated, 1);
    // Notifications now flow for the new subscription only.
    const change = next(w.receiver.changes$);
    await w.remote({ op: 'createFolder', parent: '/', name: 'after-removal' });
    assert.equal((await change).subscriptionId, fresh);
    subId = fresh;
  });

  it('remove() deletes one drive, close() deletes the rest', async () => {
    const other = w.ec.em.info.drives[1]!.id;
    // Two first calls at once: one subscription, and both learn its outcome.
    assert.deepEqual(await Promise.all([w.manager.ensure(other), w.manager.ensure(other)]), [
      'webhook',
      'webhook',
    ]);
    assert.equal((await w.serverSubscriptions()).length, 2);
    await w.manager.remove(w.driveId);
    assert.equal(w.manager.mode(w.driveId), 'polling');
    assert.deepEqual(
      (await w.serverSubscriptions()).map((s) => s.resource),
      [`/drives/${encodeURIComponent(other)}/root`],
    );
    let completed = false;
    w.manager.mode$.subscribe({ complete: () => (completed = true) });
    await w.manager.close();
    assert.deepEqual(await w.serverSubscriptions(), []);
    assert.equal(w.manager.stats.deleted, 2);
    assert.equal(w.manager.stats.deleteFailures, 0);
    assert.ok(completed);
    await assert.rejects(w.manager.ensure(w.driveId), /closed/);
    assert.deepEqual(
      w.log.lines.filter((l) => l.level === 'warn'),
      [],
    );
  });
});
