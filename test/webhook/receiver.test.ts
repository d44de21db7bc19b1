import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { request } from 'undici';
import { type ChangeNotice, type LifecycleNotice, WebhookReceiver } from '../../src/webhook/index.js';
import { eventually } from './fixture.js';

describe('WebhookReceiver', () => {
  let rx: WebhookReceiver;
  let changes: ChangeNotice[];
  let lifecycle: LifecycleNotice[];

  const post = async (
    body: string | Buffer | Readable,
    path = '/notifications',
    headers: Record<string, string> = {},
  ) => {
    const res = await request(`http://127.0.0.1:${rx.port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };
  const note = (subscriptionId: string, clientState: unknown, extra: object = {}) => ({
    subscriptionId,
    clientState,
    changeType: 'updated',
    resource: '/drives/d1/root',
    tenantId: 't',
    subscriptionExpirationDateTime: '2030-01-01T00:00:00Z',
    ...extra,
  });

  beforeEach(async () => {
    rx = new WebhookReceiver({ maxBodyBytes: 64 * 1024 });
    await rx.listen();
    changes = [];
    lifecycle = [];
    rx.changes$.subscribe((n) => changes.push(n));
    rx.lifecycle$.subscribe((n) => lifecycle.push(n));
    rx.register('sub-1', 'secret-one', 'drive-1');
    rx.register('sub-2', 'secret-two', 'drive-2');
  });
  afterEach(() => rx.close());

  it('echoes the decoded validation token as text/plain on both paths', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: a+b/c=&d';
    for (const path of ['/notifications', '/lifecycle']) {
      const q = new URLSearchParams({ validationToken: token });
      const res = await post('', `${path}?${q}`, { 'content-type': 'text/plain' });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      assert.equal(res.text, token);
    }
    // %20-encoded, as some senders do, decodes the same.
    const res = await post('', `/notifications?validationToken=${encodeURIComponent(token)}`);
    assert.equal(res.text, token);
    assert.equal(rx.stats.validations, 3);
  });

  it('advertises its local address when no public URL is given', () => {
    assert.equal(rx.notificationUrl, `http://127.0.0.1:${rx.port}/notifications`);
    assert.equal(rx.lifecycleNotificationUrl, `http://127.0.0.1:${rx.port}/lifecycle`);
    const proxied = new WebhookReceiver({ publicUrl: 'https://hooks.example.com/deltafs/' });
    assert.equal(proxied.notificationUrl, 'https://hooks.example.com/deltafs/notifications');
  });

  it('accepts matching clientStates, ignores wrong and unknown ones, and still answers 202', async () => {
    const res = await post(
      JSON.stringify({
        value: [
          note('sub-1', 'secret-one'),
          note('sub-2', 'secret-one'),
          note('sub-2', 'secret-two-but-longer'),
          note('sub-2', null),
          note('sub-9', 'secret-one'),
          note('sub-2', 'secret-two', { resource: '/drives/d2/root' }),
        ],
      }),
    );
    assert.equal(res.status, 202);
    assert.equal(rx.stats.received, 6);
    assert.equal(rx.stats.accepted, 2);
    assert.equal(rx.stats.rejectedClientState, 3);
    assert.equal(rx.stats.unknownSubscription, 1);
    await eventually(() => changes.length === 2);
    assert.deepEqual(
      changes.map((c) => [c.subscriptionId, c.driveId, c.resource]),
      [
        ['sub-1', 'drive-1', '/drives/d1/root'],
        ['sub-2', 'drive-2', '/drives/d2/root'],
      ],
    );
    assert.ok(changes.every((c) => typeof c.receivedAt === 'number'));
  });

  it('forgets unregistered subscriptions', async () => {
    rx.unregister('sub-1');
    assert.equal((await post(JSON.stringify({ value: [note('sub-1', 'secret-one')] }))).status, 202);
    assert.equal(rx.stats.unknownSubscription, 1);
    assert.equal(rx.stats.accepted, 0);
  });

  it('emits verified lifecycle events, whichever path they came to', async () => {
    const life = (id: string, cs: string, event: string) => ({
      subscriptionId: id,
      clientState: cs,
      lifecycleEvent: event,
    });
    const res = await post(
      JSON.stringify({
        value: [
          life('sub-1', 'secret-one', 'missed'),
          life('sub-1', 'nope', 'subscriptionRemoved'),
          life('sub-2', 'secret-two', 'noSuchEvent'),
        ],
      }),
      '/lifecycle',
    );
    assert.equal(res.status, 202);
    await post(JSON.stringify({ value: [life('sub-2', 'secret-two', 'reauthorizationRequired')] }));
    await eventually(() => lifecycle.length === 2);
    assert.deepEqual(
      lifecycle.map((l) => [l.subscriptionId, l.driveId, l.event]),
      [
        ['sub-1', 'drive-1', 'missed'],
        ['sub-2', 'drive-2', 'reauthorizationRequired'],
      ],
    );
    assert.equal(rx.stats.lifecycle, 2);
    assert.equal(rx.stats.rejectedClientState, 1);
    assert.equal(changes.length, 0);
  });

  it('answers 400 to bad JSON and to JSON that is not a notification collection, and counts them', async () => {
    assert.equal((await post('{"value": [')).status, 400);
    assert.equal((await post('[]')).status, 400);
    assert.equal((await post('{"value": {}}')).status, 400);
    assert.equal((await post('null')).status, 400);
    assert.equal(rx.stats.badJson, 4);
    assert.equal(rx.stats.posts, 4);
    assert.equal(rx.stats.received, 0);
  });

  it('answers 413 to a body over the limit, declared or streamed, and stays usable', async () => {
    const big = Buffer.alloc(64 * 1024 + 1, 0x20);
    assert.equal((await post(big)).status, 413);
    const chunks = (function* () {
      for (let i = 0; i < 80; i++) yield Buffer.alloc(1024, 0x20);
    })();
    assert.equal((await post(Readable.from(chunks))).status, 413);
    assert.equal(rx.stats.tooLarge, 2);
    assert.equal((await post(JSON.stringify({ value: [note('sub-1', 'secret-one')] }))).status, 202);
    assert.equal(rx.stats.accepted, 1);
  });

  it('answers 404 off its paths and 405 to other methods', async () => {
    assert.equal((await post('{}', '/elsewhere')).status, 404);
    const res = await request(`http://127.0.0.1:${rx.port}/notifications`, { method: 'GET' });
    await res.body.dump();
    assert.equal(res.statusCode, 405);
    assert.equal(rx.stats.posts, 0);
  });

  it('answers a large batch promptly and emits after answering', async () => {
    for (let i = 0; i < 300; i++) rx.register(`bulk-${i}`, `s-${i}`, `d-${i}`);
    const value = Array.from({ length: 300 }, (_, i) => note(`bulk-${i}`, `s-${i}`));
    const started = performance.now();
    const res = await post(JSON.stringify({ value }));
    const took = performance.now() - started;
    assert.equal(res.status, 202);
    // Graph allows 3 s; this is a loopback POST of ~50 KB, so anything near a second is a regression.
    assert.ok(took < 1_000, `answered in ${took.toFixed(1)} ms`);
    await eventually(() => changes.length === 300);
  });

  it('stops emitting and completes its streams on close', async () => {
    let completed = 0;
    rx.changes$.subscribe({ complete: () => completed++ });
    rx.lifecycle$.subscribe({ complete: () => completed++ });
    await rx.close();
    assert.equal(completed, 2);
    assert.equal(rx.listening, false);
    await rx.close();
  });
});
