import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetch } from 'undici';
import { Tenant } from '../../src/emulator/model/tenant.js';
import { subscriptionRoutes } from '../../src/emulator/routes/subscriptions.js';
import { defaultBehaviour, type EmulatorState } from '../../src/emulator/state.js';
import { SubscriptionService } from '../../src/emulator/subscriptions/index.js';
import { APP, type HttpFixture, startHttpFixture, TENANT } from '../helpers/http-fixture.js';
import { testTls } from '../helpers/tls.js';
import { eventually, inMinutes, Receiver } from './subscriptions-fixtures.js';

describe('subscriptions over the emulator HTTPS server', () => {
  let fx: HttpFixture;
  let rx: Receiver;
  let subs: SubscriptionService;
  const tenant = new Tenant(TENANT, 'contoso', () => 'AAAA');
  const drive = tenant.addDrive(tenant.addSite('team'), 'Documents');
  const state: EmulatorState = {
    tenants: new Map([[TENANT, tenant]]),
    baseUrl: '',
    instance: 'test',
    behaviour: { ...defaultBehaviour, notificationDebounceMs: 20, requireHttpsNotificationUrl: true },
    urlKey: Buffer.alloc(32, 1),
    deltaCounts: new Map(),
    misbehave: { takeForcedResync: () => false, ignoreRange: () => false, random: Math.random },
  };

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fx.baseUrl}/v1.0${path}`, {
      method,
      dispatcher: fx.agent,
      headers: { authorization: `Bearer ${fx.bearer()}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  before(async () => {
    const tls = await testTls();
    rx = await Receiver.start({ key: tls.keyPem, cert: tls.certPem });
    subs = new SubscriptionService({ behaviour: () => state.behaviour, ca: tls.caPem });
    fx = await startHttpFixture({ routes: subscriptionRoutes(state, subs) });
    state.baseUrl = fx.baseUrl;
  });
  after(async () => {
    await subs.close();
    await fx.close();
    await rx.close();
  });

  it('creates, notifies, lists, renews and deletes like Graph', async () => {
    const created = await call('POST', '/subscriptions', {
      changeType: 'updated',
      notificationUrl: rx.url(),
      resource: `/drives/${drive.id}/root`,
      expirationDateTime: inMinutes(60),
      clientState: 'route-secret',
    });
    assert.equal(created.status, 201);
    assert.equal(created.json['@odata.context'], `${fx.baseUrl}/v1.0/$metadata#subscriptions/$entity`);
    assert.equal(created.json.applicationId, APP.clientId);
    assert.equal(created.json.clientState, 'route-secret');
    const id: string = created.json.id;

    drive.createFolder(drive.root.id, 'hello');
    await eventually(() => rx.notifications().length === 1);
    const [entry] = rx.notifications()[0]!.value;
    assert.equal(entry!.subscriptionId, id);
    assert.equal(entry!.clientState, 'route-secret');
    assert.equal(entry!.tenantId, TENANT);

    const list = await call('GET', '/subscriptions');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.json.value.map((s: { id: string }) => s.id),
      [id],
    );
    const later = inMinutes(600);
    const renewed = await call('PATCH', `/subscriptions/${id}`, { expirationDateTime: later });
    assert.equal(renewed.status, 200);
    assert.equal(renewed.json.expirationDateTime, new Date(later).toISOString());
    assert.equal(
      (await call('GET', `/subscriptions/${id}`)).json.expirationDateTime,
      new Date(later).toISOString(),
    );

    assert.equal((await call('DELETE', `/subscriptions/${id}`)).status, 204);
    const gone = await call('GET', `/subscriptions/${id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error.code, 'itemNotFound');
    assert.equal((await call('PATCH', `/subscriptions/${id}`, { expirationDateTime: later })).status, 404);
    // The id is decoded once, by the router: a literal '%' is an unknown id, not a crash.
    assert.equal((await call('GET', `/subscriptions/${encodeURIComponent('%')}`)).status, 404);
  });

  it('answers Graph errors for invalid creates', async () => {
    const base = {
      changeType: 'updated',
      notificationUrl: rx.url(),
      resource: `/drives/${drive.id}/root`,
      expirationDateTime: inMinutes(60),
    };
    const bad = await call('POST', '/subscriptions', { ...base, changeType: 'deleted' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'invalidRequest');
    const http = await call('POST', '/subscriptions', {
      ...base,
      notificationUrl: rx.url().replace('https', 'http'),
    });
    assert.equal(http.status, 400, 'requireHttpsNotificationUrl refuses loopback http');
    const unauthenticated = await fetch(`${fx.baseUrl}/v1.0/subscriptions`, { dispatcher: fx.agent });
    assert.equal(unauthenticated.status, 401);
    await unauthenticated.text();
  });
});
