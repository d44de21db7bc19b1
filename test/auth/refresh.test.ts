import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type IssuedToken, RefreshingTokenProvider } from '../../src/auth/refresh.js';

/** A token source on a fake clock that records how it was asked. */
function fakeSource(lifetimeMs: number) {
  const clock = { now: 1_000_000 };
  const calls: boolean[] = [];
  let n = 0;
  let gate: Promise<void> = Promise.resolve();
  const source = async (fresh: boolean): Promise<IssuedToken> => {
    calls.push(fresh);
    await gate;
    n += 1;
    return { token: `t${n}`, expiresAt: clock.now + lifetimeMs };
  };
  return {
    clock,
    calls,
    source,
    hold() {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return () => {
        gate = Promise.resolve();
        release();
      };
    },
  };
}

describe('RefreshingTokenProvider', () => {
  it('serves the held token, then refreshes in the background inside the window', async () => {
    const f = fakeSource(3_600_000);
    const p = new RefreshingTokenProvider(f.source, { refreshWindowMs: 300_000, now: () => f.clock.now });
    assert.equal(await p.acquireToken(), 't1');
    assert.deepEqual(f.calls, [false]);
    f.clock.now += 3_000_000; // 10 min left: outside the 5 min window
    assert.equal(await p.acquireToken(), 't1');
    assert.equal(f.calls.length, 1);
    f.clock.now += 360_000; // 4 min left: refresh, but the old token still serves this call
    assert.equal(await p.acquireToken(), 't1');
    assert.deepEqual(f.calls, [false, true]);
    await new Promise((r) => setImmediate(r));
    assert.equal(await p.acquireToken(), 't2');
  });

  it('waits for a new token once the held one is about to expire', async () => {
    const f = fakeSource(600_000);
    const p = new RefreshingTokenProvider(f.source, { expiryMarginMs: 30_000, now: () => f.clock.now });
    await p.acquireToken();
    f.clock.now += 590_000; // 10 s left, inside the 30 s margin
    assert.equal(await p.acquireToken(), 't2');
    assert.deepEqual(f.calls, [false, true]);
  });

  it('scales the windows to short-lived tokens instead of refreshing on every call', async () => {
    const f = fakeSource(10_000); // shorter than the 5 min window
    const p = new RefreshingTokenProvider(f.source, { now: () => f.clock.now });
    await p.acquireToken();
    f.clock.now += 4_000;
    await p.acquireToken();
    assert.equal(f.calls.length, 1, 'no refresh before half the lifetime');
    f.clock.now += 1_500;
    await p.acquireToken();
    assert.equal(f.calls.length, 2, 'background refresh after half the lifetime');
  });

  it('shares one fetch between concurrent callers', async () => {
    const f = fakeSource(3_600_000);
    const p = new RefreshingTokenProvider(f.source, { now: () => f.clock.now });
    const release = f.hold();
    const all = Promise.all(Array.from({ length: 20 }, () => p.acquireToken()));
    release();
    assert.deepEqual(new Set(await all), new Set(['t1']));
    assert.equal(f.calls.length, 1);
  });

  it('after a 401 fetches a fresh token once, however many requests saw it', async () => {
    const f = fakeSource(3_600_000);
    const p = new RefreshingTokenProvider(f.source, { now: () => f.clock.now });
    const rejected = await p.acquireToken();
    p.invalidate(rejected);
    const next = await p.acquireToken();
    for (let i = 0; i < 10; i++) p.invalidate(rejected); // late 401s of the same old token
    assert.equal(await p.acquireToken(), next);
    assert.deepEqual(f.calls, [false, true]);
  });

  it('keeps serving a valid token when a background refresh fails, and backs off', async () => {
    const clock = { now: 0 };
    let fail = false;
    let n = 0;
    const calls: number[] = [];
    const p = new RefreshingTokenProvider(
      async () => {
        calls.push(clock.now);
        if (fail) throw new Error('authority down');
        return { token: `t${++n}`, expiresAt: clock.now + 3_600_000 };
      },
      { now: () => clock.now, backgroundRetryMs: 10_000 },
    );
    await p.acquireToken();
    fail = true;
    clock.now = 3_400_000;
    assert.equal(await p.acquireToken(), 't1');
    await new Promise((r) => setImmediate(r));
    clock.now += 1_000;
    assert.equal(await p.acquireToken(), 't1');
    assert.equal(calls.length, 2, 'no second background attempt within the back-off');
  });
});
