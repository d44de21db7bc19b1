import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import {
  ClientErrorCode,
  type GraphClient,
  GraphRequestError,
  hasCode,
  type TenantStateOptions,
} from '../../src/graph/index.js';
import { type Harness, harness, recordingDispatcher, type WireEvent } from './fixture.js';

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(2);
  }
}

describe('resilience against the emulator', () => {
  let h: Harness;
  let driveId: string;
  let ids: { id: string; name: string }[];
  const open: { close(): Promise<void> }[] = [];

  /** A client with its own tenant state and a wire recorder. */
  const setup = (tenantOptions: TenantStateOptions = { budget: false }, retry = {}) => {
    const wire = recordingDispatcher(h.emu.info.caPem);
    open.push(wire);
    const client = h.client({
      dispatcher: wire.dispatcher,
      tenantOptions,
      retry: { baseDelayMs: 20, maxDelayMs: 200, ...retry },
    });
    return { client, events: wire.events };
  };
  const getAll = (client: GraphClient, n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => client.getItem(driveId, ids[i % ids.length]!.id)));

  before(async () => {
    h = await harness({ items: 200 });
    driveId = h.emu.info.drives[0]!.id;
    const { client } = setup();
    ids = (await client.listChildren(driveId, 'root')).map((c) => ({ id: c.id!, name: c.name! }));
    assert.ok(ids.length >= 5);
  });
  afterEach(() => {
    h.emu.faults.setFaults({ p429: 0, p503: 0, pReset: 0, pTruncate: 0, retryAfterSec: 1 });
    h.emu.server.throttle.configure({ disabled: true });
    h.emu.server.throttle.reset();
    h.emu.server.stats.reset();
  });
  after(async () => {
    await Promise.all(open.map((o) => o.close()));
    await h.close();
  });

  it('recovers from a 401 mid-run with one token fetch for a burst of requests', async () => {
    const { client } = setup();
    await client.getItem(driveId, 'root');
    const tokenCalls = () => h.emu.server.stats.count({ route: 'oauth2 token' });
    const before = tokenCalls();
    const control = new Agent({ connect: { ca: h.emu.info.caPem } });
    const res = await request(`${h.emu.info.controlUrl}/tokens/expire`, {
      method: 'POST',
      dispatcher: control,
    });
    assert.ok(res.statusCode >= 200 && res.statusCode < 300);
    await res.body.dump();
    await control.close();

    const items = await getAll(client, 20);
    assert.deepEqual(
      items.map((i) => i.name),
      Array.from({ length: 20 }, (_, i) => ids[i % ids.length]!.name),
    );
    assert.ok(h.emu.server.stats.count({ status: 401 }) >= 1);
    assert.equal(tokenCalls(), before + 1);
  });

  it('a 429 with Retry-After pauses every request of the tenant until it ends', async () => {
    const { client, events } = setup({ budget: false, concurrency: 8 });
    h.emu.faults.setFaults({ p429: 1, retryAfterSec: 1 });
    const first = client.getItem(driveId, 'root');
    await until(() => events.some((e) => e.status === 429));
    h.emu.faults.setFaults({ p429: 0 });
    const throttledAt = events.find((e) => e.status === 429)!.answeredAt!;
    const mark = events.length;
    const burst = await getAll(client, 20);
    await first;
    assert.equal(burst.length, 20);
    const after = events.slice(mark);
    assert.equal(after.length, 21, '20 new requests and the retry of the throttled one');
    const earliest = Math.min(...after.map((e) => e.sentAt));
    assert.ok(
      earliest >= throttledAt + 995,
      `a request went out ${Math.round(earliest - throttledAt)} ms after the 429`,
    );
    assert.equal(client.tenant.gate.pauses, 1);
  });

  it('under random 429s no request is sent while a pause is running', async () => {
    const { client, events } = setup({ budget: false, concurrency: 8 });
    h.emu.faults.setFaults({ p429: 0.15, retryAfterSec: 1, seed: 5 });
    const t0 = performance.now();
    const items = await getAll(client, 40);
    assert.equal(items.length, 40);
    const throttled = events.filter((e) => e.status === 429);
    assert.ok(throttled.length >= 2, `${throttled.length} throttled`);
    for (const t of throttled) {
      // 10 ms for the gate to see the response after the socket did.
      const inPause = events.filter((e) => e.sentAt > t.answeredAt! + 10 && e.sentAt < t.answeredAt! + 995);
      assert.deepEqual(
        inPause.map((e) => Math.round(e.sentAt - t.answeredAt!)),
        [],
        'sent during a pause',
      );
    }
    assert.ok(performance.now() - t0 >= 1000);
  });

  it('retries 503, connection resets and truncated bodies until the answers are whole', async () => {
    const { client, events } = setup({ budget: false, concurrency: 8 });
    h.emu.faults.setFaults({ p503: 0.15, pReset: 0.1, pTruncate: 0.1, retryAfterSec: 0, seed: 9 });
    const n = 60;
    const items = await getAll(client, n);
    assert.deepEqual(
      items.map((i) => i.name),
      Array.from({ length: n }, (_, i) => ids[i % ids.length]!.name),
    );
    const s = h.emu.server.stats;
    const unavailable = s.count({ status: 503 });
    const resets = s.count({ status: 0 });
    const truncated = events.length - n - unavailable - resets;
    assert.ok(
      unavailable > 0 && resets > 0 && truncated > 0,
      `503: ${unavailable}, resets: ${resets}, truncated: ${truncated}`,
    );
  });

  it('gives up after the attempt bound with the last error', async () => {
    const { client, events } = setup({ budget: false }, { maxAttempts: 3 });
    h.emu.faults.setFaults({ p503: 1, retryAfterSec: 0 });
    const err = await client.getItem(driveId, 'root').catch((e: unknown) => e);
    assert.ok(err instanceof GraphRequestError);
    assert.equal(err.status, 503);
    assert.ok(hasCode(err, 'serviceNotAvailable'));
    assert.equal(err.retryAfterMs, 0);
    assert.equal(events.length, 3);

    h.emu.faults.setFaults({ p503: 0, pReset: 1 });
    const lost = await client.getItem(driveId, 'root').catch((e: unknown) => e);
    assert.ok(lost instanceof GraphRequestError);
    assert.equal(lost.status, 0);
    assert.equal(lost.code, ClientErrorCode.network);
    assert.equal(events.length, 6);
  });

  it('never resends a POST whose connection dropped after it was sent', async () => {
    const { client, events } = setup();
    h.emu.faults.setFaults({ pReset: 1 });
    const err = await client
      .request('POST', `/drives/${encodeURIComponent(driveId)}/root/children`, {
        body: { name: 'once-only', folder: {}, '@microsoft.graph.conflictBehavior': 'fail' },
      })
      .catch((e: unknown) => e);
    assert.ok(hasCode(err, ClientErrorCode.network));
    assert.equal(events.filter((e) => e.method === 'POST').length, 1);
    h.emu.faults.setFaults({ pReset: 0 });
    // The server did the work: that is why a blind resend would have been wrong.
    assert.equal((await client.getItemByPath(driveId, 'root', 'once-only')).name, 'once-only');
  });

  describe('client-side budget', () => {
    const window = { unitsPerWindow: 20, windowMs: 2000 };

    it('spaces requests past the soft limit and holds them at the hard limit: the server never throttles', async () => {
      h.emu.server.throttle.configure({ ...window, disabled: false });
      // Concurrency above the request count: only the budget decides when a request goes.
      const { client, events } = setup({
        budget: { windowMs: 2000, hardLimit: 20, softLimit: 10 },
        concurrency: 32,
      });
      const t0 = performance.now();
      await getAll(client, 26);
      const sent = events.map((e: WireEvent) => e.sentAt - t0).sort((a, b) => a - b);
      assert.equal(h.emu.server.stats.count({ status: 429 }), 0);
      assert.ok(sent[9]! < 100, `first 10 at once (${Math.round(sent[9]!)} ms)`);
      for (let i = 11; i < 20; i++) {
        const gap = sent[i]! - sent[i - 1]!;
        assert.ok(gap >= 90, `spacing ${Math.round(gap)} ms before request ${i + 1}`);
      }
      assert.ok(sent[20]! >= 2000, `21st request at ${Math.round(sent[20]!)} ms, inside the window`);
      assert.ok(client.tenant.budget!.stats.delayed >= 15);
    });

    it('without it the same load is throttled by the server (and still completes)', async () => {
      h.emu.server.throttle.configure({ ...window, disabled: false });
      const { client } = setup({ budget: false, concurrency: 8 });
      const items = await getAll(client, 26);
      assert.equal(items.length, 26);
      assert.ok(h.emu.server.stats.count({ status: 429 }) > 0);
      assert.ok(client.tenant.gate.pauses >= 1);
    });
  });
});
