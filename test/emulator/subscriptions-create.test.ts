import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GraphError } from '../../src/emulator/http/errors.js';
import { createTls } from '../../src/emulator/http/tls.js';
import { Tenant } from '../../src/emulator/model/tenant.js';
import { subscriptionJson } from '../../src/emulator/subscriptions/index.js';
import {
  type Answer,
  correctAnswer,
  inMinutes,
  type Received,
  Receiver,
  service,
  world,
} from './subscriptions-fixtures.js';

const rejects = (p: Promise<unknown>, status: number, code: string, message?: RegExp) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof GraphError, `expected GraphError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });

/** Echoes the validation token as a correct receiver does, but for `over`. */
const echo =
  (over: Partial<Answer>) =>
  (r: Received): Answer => ({ ...correctAnswer(r), ...over });

describe('subscriptions: create and validation handshake', () => {
  let rx: Receiver;
  const svc = service();
  const w = world();
  const body = (over: Record<string, unknown> = {}) => ({
    changeType: 'updated',
    notificationUrl: rx.url(),
    resource: `/drives/${w.drive.id}/root`,
    expirationDateTime: inMinutes(60),
    clientState: 'secret',
    ...over,
  });

  before(async () => {
    rx = await Receiver.start();
  });
  after(async () => {
    await svc.close();
    await rx.close();
  });

  it('creates after a handshake that echoes the decoded token', async () => {
    const exp = inMinutes(60);
    const sub = await svc.create(w.caller, body({ expirationDateTime: exp }));
    const [v] = rx.validations();
    assert.ok(v);
    assert.equal(v.body, '');
    assert.match(v.contentType, /^text\/plain/);
    // Graph's token carries spaces and colons: receivers must decode before echoing.
    assert.match(v.query.get('validationToken')!, /^Validation: Testing .* Request-Id: [0-9a-f-]{36}$/);
    const json = subscriptionJson(sub);
    assert.equal(json.resource, `/drives/${w.drive.id}/root`);
    assert.equal(json.changeType, 'updated');
    assert.equal(json.clientState, 'secret');
    assert.equal(json.notificationUrl, rx.url());
    assert.equal(json.lifecycleNotificationUrl, null);
    assert.equal(json.expirationDateTime, new Date(exp).toISOString());
    assert.equal(json.applicationId, 'app-1');
    assert.equal(json.latestSupportedTlsVersion, 'v1_2');
    assert.equal(sub.driveId, w.drive.id);
    assert.equal(sub.tenantId, w.tenant.id);
    assert.deepEqual(
      svc.list(w.caller).map((s) => s.id),
      [sub.id],
    );
  });

  it('rejects a receiver that echoes the raw (encoded) token', async () => {
    rx.answer = (r) => {
      const raw = /validationToken=([^&]*)/.exec(new URLSearchParams(r.query).toString())![1]!;
      return { status: 200, body: raw, contentType: 'text/plain' };
    };
    try {
      await rejects(
        svc.create(w.caller, body()),
        400,
        'invalidRequest',
        /must exactly match validationToken/,
      );
    } finally {
      rx.answer = correctAnswer;
    }
  });

  it('rejects a wrong token, a non-200 and a non-text/plain answer', async () => {
    const before = svc.all().length;
    rx.answer = () => ({ status: 200, body: 'nope', contentType: 'text/plain' });
    await rejects(svc.create(w.caller, body()), 400, 'invalidRequest', /validation request failed/);
    rx.answer = echo({ status: 202 });
    await rejects(svc.create(w.caller, body()), 400, 'invalidRequest', /must respond with 200 OK/);
    rx.answer = echo({ contentType: 'application/json' });
    await rejects(svc.create(w.caller, body()), 400, 'invalidRequest', /validation request failed/);
    rx.answer = correctAnswer;
    assert.equal(svc.all().length, before);
  });

  it('rejects a receiver slower than the validation limit', async () => {
    rx.answer = echo({ delayMs: 900 });
    const t0 = Date.now();
    try {
      await rejects(svc.create(w.caller, body()), 400, 'invalidRequest', /timed out/);
      assert.ok(Date.now() - t0 < 850, 'gave up at the limit, not when the receiver answered');
    } finally {
      rx.answer = correctAnswer;
    }
  });

  it('rejects an unreachable receiver', async () => {
    await rejects(
      svc.create(w.caller, body({ notificationUrl: 'http://127.0.0.1:1/hook' })),
      400,
      'invalidRequest',
    );
  });

  it('validates the lifecycle URL too', async () => {
    const n = rx.validations().length;
    const sub = await svc.create(w.caller, body({ lifecycleNotificationUrl: rx.url('/life') }));
    assert.equal(rx.validations().length, n + 2);
    assert.equal(rx.validations().at(-1)!.path, '/life');
    assert.equal(subscriptionJson(sub).lifecycleNotificationUrl, rx.url('/life'));
    rx.answer = (r) => (r.path === '/life' ? { status: 500 } : correctAnswer(r));
    try {
      await rejects(
        svc.create(w.caller, body({ lifecycleNotificationUrl: rx.url('/life') })),
        400,
        'invalidRequest',
      );
    } finally {
      rx.answer = correctAnswer;
    }
  });

  it('enforces expiry limits: required, future, at most 42,300 minutes', async () => {
    await rejects(svc.create(w.caller, body({ expirationDateTime: undefined })), 400, 'invalidRequest');
    await rejects(svc.create(w.caller, body({ expirationDateTime: 'soon' })), 400, 'invalidRequest');
    await rejects(svc.create(w.caller, body({ expirationDateTime: inMinutes(-1) })), 400, 'invalidRequest');
    await rejects(
      svc.create(w.caller, body({ expirationDateTime: inMinutes(42_300 + 1) })),
      400,
      'invalidRequest',
      /42300 minutes/,
    );
    const sub = await svc.create(w.caller, body({ expirationDateTime: inMinutes(42_299) }));
    assert.ok(sub.expiresAt > Date.now() + 42_298 * 60_000);
  });

  it('accepts only changeType "updated" and only a drive root', async () => {
    const n = rx.validations().length;
    await rejects(svc.create(w.caller, body({ changeType: 'created' })), 400, 'invalidRequest', /updated/);
    await rejects(svc.create(w.caller, body({ changeType: 'created,updated' })), 400, 'invalidRequest');
    await rejects(svc.create(w.caller, body({ changeType: undefined })), 400, 'invalidRequest');
    const folder = w.drive.createFolder(w.drive.root.id, 'Reports');
    await rejects(
      svc.create(w.caller, body({ resource: `/drives/${w.drive.id}/items/${folder.id}` })),
      400,
      'notSupported',
    );
    await rejects(
      svc.create(w.caller, body({ resource: `/drives/${w.drive.id}/root:/Reports:` })),
      400,
      'notSupported',
    );
    await rejects(svc.create(w.caller, body({ resource: '/drives/b!nope/root' })), 404, 'itemNotFound');
    await rejects(svc.create(w.caller, body({ resource: '/me/messages' })), 400, 'invalidRequest');
    await rejects(svc.create(w.caller, body({ includeResourceData: true })), 400, 'invalidRequest');
    await rejects(svc.create(w.caller, body({ clientState: 'x'.repeat(129) })), 400, 'invalidRequest');
    assert.equal(rx.validations().length, n, 'no handshake for an invalid request');
  });

  it('resolves every root form to its drive and keeps the resource as given', async () => {
    const forms: Array<[string, string]> = [
      [`drives/${w.drive.id}/root`, w.drive.id],
      ['/me/drive/root', w.user.driveId],
      [`/users/${w.user.id}/drive/root`, w.user.driveId],
      ['/users/ADA@contoso.com/drive/root', w.user.driveId],
      [`/sites/${w.site.id}/drive/root`, w.drive.id],
    ];
    for (const [resource, driveId] of forms) {
      const sub = await svc.create(w.caller, body({ resource }));
      assert.equal(sub.driveId, driveId, resource);
      assert.equal(sub.resource, resource);
    }
  });

  it('requires https, except loopback http unless the behaviour forbids it', async () => {
    await rejects(
      svc.create(w.caller, body({ notificationUrl: 'http://example.com/hook' })),
      400,
      'invalidRequest',
    );
    await rejects(svc.create(w.caller, body({ notificationUrl: 'not a url' })), 400, 'invalidRequest');
    const strict = service({ requireHttps: true });
    try {
      await rejects(strict.create(w.caller, body()), 400, 'invalidRequest', /https/);
    } finally {
      await strict.close();
    }
  });

  it('reaches an https receiver through the CA it is given, and only then', async () => {
    const tls = await createTls();
    const secure = await Receiver.start({ key: tls.keyPem, cert: tls.certPem });
    const trusting = service({ requireHttps: true }, { ca: tls.caPem });
    const untrusting = service({ requireHttps: true });
    try {
      const sub = await trusting.create(w.caller, body({ notificationUrl: secure.url() }));
      assert.equal(sub.notificationUrl, secure.url());
      await rejects(
        untrusting.create(w.caller, body({ notificationUrl: secure.url() })),
        400,
        'invalidRequest',
      );
    } finally {
      await trusting.close();
      await untrusting.close();
      await secure.close();
    }
  });
});

describe('subscriptions: get, list, renew, delete', () => {
  let rx: Receiver;
  const svc = service();
  const w = world();
  const create = () =>
    svc.create(w.caller, {
      changeType: 'updated',
      notificationUrl: rx.url(),
      resource: `/drives/${w.drive.id}/root`,
      expirationDateTime: inMinutes(60),
    });

  before(async () => {
    rx = await Receiver.start();
  });
  after(async () => {
    await svc.close();
    await rx.close();
  });

  it('renews within the same limits', async () => {
    const sub = await create();
    const later = inMinutes(3_000);
    assert.equal(svc.renew(w.caller, sub.id, { expirationDateTime: later }).expiresAt, Date.parse(later));
    assert.equal(svc.get(w.caller, sub.id).expiresAt, Date.parse(later));
    assert.throws(() => svc.renew(w.caller, sub.id, { expirationDateTime: inMinutes(42_301) }), {
      status: 400,
    });
    assert.throws(() => svc.renew(w.caller, sub.id, {}), { status: 400 });
    assert.equal(svc.get(w.caller, sub.id).expiresAt, Date.parse(later), 'a refused renewal changes nothing');
    assert.throws(
      () => svc.renew(w.caller, 'f00f0000-0000-0000-0000-000000000000', { expirationDateTime: later }),
      {
        status: 404,
      },
    );
  });

  it('deletes; afterwards get, renew and delete answer 404', async () => {
    const sub = await create();
    svc.delete(w.caller, sub.id);
    assert.throws(() => svc.get(w.caller, sub.id), { status: 404 });
    assert.throws(() => svc.renew(w.caller, sub.id, { expirationDateTime: inMinutes(10) }), { status: 404 });
    assert.throws(() => svc.delete(w.caller, sub.id), { status: 404 });
    assert.ok(!svc.list(w.caller).some((s) => s.id === sub.id));
  });

  it('hides subscriptions from other applications and tenants', async () => {
    const sub = await create();
    const otherApp = { ...w.caller, applicationId: 'app-2' };
    assert.throws(() => svc.get(otherApp, sub.id), { status: 404 });
    assert.throws(() => svc.delete(otherApp, sub.id), { status: 404 });
    assert.equal(svc.list(otherApp).length, 0);
    const fabrikam = new Tenant('99999999-0000-0000-0000-000000000000', 'fabrikam', () => 'AAAA');
    assert.throws(() => svc.get({ ...w.caller, tenant: fabrikam }, sub.id), { status: 404 });
    assert.equal(svc.list({ ...w.caller, tenant: fabrikam }).length, 0);
    assert.equal(svc.get(w.caller, sub.id).id, sub.id);
  });
});
