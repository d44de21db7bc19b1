import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { filter, firstValueFrom } from 'rxjs';
import { parseConfig } from '../../src/app/config.js';
import { emulatorConfig } from '../../src/app/embedded.js';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { silentLog } from '../../src/auth/index.js';
import { type EmulatorClient, emulatorClient } from '../helpers/emulator.js';

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Creates a folder as another user and measures until the index has it. */
async function measure(c: EmulatorClient, rt: Runtime, driveId: string, name: string): Promise<number> {
  const seen = (id: string) => rt.index.getItem(driveId, id) !== undefined;
  const t0 = performance.now();
  const created = await c.control<{ id: string }>('POST', `/drives/${driveId}/ops`, {
    op: 'createFolder',
    parent: '/',
    name,
  });
  if (!seen(created.id)) {
    await firstValueFrom(rt.engine.changes$.pipe(filter((a) => a.driveId === driveId && seen(created.id))));
  }
  return performance.now() - t0;
}

function config(c: EmulatorClient, dir: string, extra: Record<string, unknown>) {
  return parseConfig(
    emulatorConfig(c.em.info, dir, { libraries: [{ driveId: c.em.info.drives[0]!.id }], ...extra }),
  );
}

describe('streams: freshness of the index after remote changes', () => {
  let c: EmulatorClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deltafs-fresh-'));
    c = await emulatorClient({
      items: 2000,
      seed: 4,
      tlsDir: join(dir, 'tls'),
      behaviour: { notificationDebounceMs: 100 },
    });
  });
  after(async () => {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with webhooks: p95 under 1 s, with the poll an hour away', async () => {
    const rt = await openRuntime(
      config(c, join(dir, 'wh'), { webhook: { listen: '127.0.0.1:0' }, sync: { pollIntervalSec: 3600 } }),
      {
        log: silentLog,
      },
    );
    try {
      const driveId = rt.libraries[0]!.driveId;
      await rt.engine.feed(driveId)!.syncNow();
      assert.equal(rt.webhooks?.manager.mode(driveId), 'webhook');
      const lat: number[] = [];
      for (let i = 0; i < 30; i++) {
        lat.push(await measure(c, rt, driveId, `webhook ${i}`));
        await new Promise((r) => setTimeout(r, 30));
      }
      const p50 = percentile(lat, 50);
      const p95 = percentile(lat, 95);
      process.stdout.write(`# webhook freshness p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms\n`);
      assert.ok(p95 < 1000, `p95 ${p95} ms`);
    } finally {
      await rt.close();
    }
    const subs = (await c.graph.api('/subscriptions').get()) as { value: unknown[] };
    assert.equal(subs.value.length, 0, 'subscriptions are deleted on a clean shutdown');
  });

  it('polling only: within the poll interval', async () => {
    const rt = await openRuntime(config(c, join(dir, 'poll'), { sync: { pollIntervalSec: 1 } }), {
      log: silentLog,
    });
    try {
      const driveId = rt.libraries[0]!.driveId;
      await rt.engine.feed(driveId)!.syncNow();
      const lat: number[] = [];
      for (let i = 0; i < 5; i++) lat.push(await measure(c, rt, driveId, `poll ${i}`));
      process.stdout.write(`# polling freshness max ${Math.max(...lat).toFixed(0)} ms (interval 1000 ms)\n`);
      // The interval plus one round's time.
      assert.ok(Math.max(...lat) < 1000 + 500, `latencies ${lat.map((x) => x.toFixed(0)).join(', ')}`);
    } finally {
      await rt.close();
    }
  });
});
