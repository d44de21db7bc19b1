import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestBudget } from '../../src/graph/budget.js';
import { ThrottleGate } from '../../src/graph/throttle-gate.js';

async function timed(budget: RequestBudget, n: number, cost = 1): Promise<number[]> {
  const t0 = performance.now();
  const done: Promise<number>[] = [];
  for (let i = 0; i < n; i++) {
    const wait = budget.acquire(cost);
    // An instant answer: the reservation is settled as soon as the request may go.
    done.push(
      (wait ?? Promise.resolve()).then(() => {
        budget.settle(cost);
        return performance.now() - t0;
      }),
    );
  }
  return Promise.all(done);
}

describe('RequestBudget', () => {
  it('lets requests through at once below the soft limit', async () => {
    const budget = new RequestBudget({ windowMs: 1000, hardLimit: 100, softLimit: 50 });
    assert.equal(budget.acquire(1), undefined);
    const times = await timed(budget, 40);
    assert.ok(Math.max(...times) < 30, `${times}`);
    assert.equal(budget.usage(), 41);
  });

  it('spaces requests above the soft limit at the sustainable rate, in order', async () => {
    // hard 20 per 1000 ms: spacing 50 ms per unit once 10 are used.
    const budget = new RequestBudget({ windowMs: 1000, hardLimit: 20, softLimit: 10 });
    const times = await timed(budget, 15);
    const spaced = times.slice(10);
    for (let i = 1; i < spaced.length; i++) {
      const gap = spaced[i]! - spaced[i - 1]!;
      assert.ok(gap >= 45 && gap < 120, `gap ${gap} in ${spaced.map(Math.round)}`);
    }
    assert.ok(budget.stats.delayed >= 4);
  });

  it('holds requests at the hard limit until the window frees units', async () => {
    const budget = new RequestBudget({ windowMs: 400, hardLimit: 10, softLimit: 10, marginMs: 0 });
    const times = await timed(budget, 12);
    assert.ok(Math.max(...times.slice(0, 10)) < 30);
    assert.ok(times[10]! >= 390, `11th went at ${times[10]}`);
    assert.ok(budget.usage() <= 10);
  });

  it('counts requests in flight, and dates their charge from the answer, not from the send', async () => {
    const budget = new RequestBudget({ windowMs: 300, hardLimit: 2, softLimit: 2, marginMs: 0 });
    assert.equal(budget.acquire(1), undefined);
    assert.equal(budget.acquire(1), undefined);
    const t0 = performance.now();
    const third = budget.acquire(1)!;
    assert.ok(third instanceof Promise, 'two in flight fill the budget');
    await new Promise((r) => setTimeout(r, 100));
    budget.settle(1);
    budget.settle(1);
    await third;
    const waited = performance.now() - t0;
    assert.ok(waited >= 390, `third went after ${Math.round(waited)} ms; the charges only started at 100 ms`);
    assert.equal(budget.usage(), 1);
  });

  it('releases a waiter with the abort reason', async () => {
    const budget = new RequestBudget({ windowMs: 10_000, hardLimit: 1, softLimit: 1 });
    budget.acquire(1);
    const ac = new AbortController();
    const wait = budget.acquire(1, ac.signal)!;
    ac.abort(new Error('shutdown'));
    await assert.rejects(wait, /shutdown/);
  });
});

describe('ThrottleGate', () => {
  it('is open by default and holds everyone while paused, extending but never shortening', async () => {
    const gate = new ThrottleGate();
    assert.equal(gate.wait(), undefined);
    const t0 = performance.now();
    assert.equal(gate.pause(200), true);
    assert.equal(gate.pause(50), false);
    const waits = [gate.wait(), gate.wait(), gate.wait()];
    assert.ok(waits.every((w) => w instanceof Promise));
    setTimeout(() => gate.pause(300), 100);
    await Promise.all(waits);
    const waited = performance.now() - t0;
    assert.ok(waited >= 395, `waited ${waited}`);
    assert.equal(gate.pauses, 2);
  });

  it('caps absurd Retry-After values', () => {
    const gate = new ThrottleGate({ maxPauseMs: 1000 });
    gate.pause(3_600_000);
    assert.ok(gate.pausedUntil() - Date.now() <= 1000);
  });
});
