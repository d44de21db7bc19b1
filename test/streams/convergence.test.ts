import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { TruthItem } from '../../src/emulator/index.js';
import { openIndex } from '../../store/index.js';
import { SyncEngine } from '../../streams/sync-engine.js';
import { harness } from '../graph/fixture.js';
import { type ControlApi, controlApi } from '../helpers/control-api.js';
import { diffTrees, indexTree, truthTree } from './tree.js';

async function converged(
  api: ControlApi,
  engine: SyncEngine,
  driveId: string,
  index: ReturnType<typeof openIndex>,
) {
  const truth = await api.control<{ value: TruthItem[] }>('GET', `/drives/${driveId}/truth`);
  await engine.feed(driveId)!.syncNow();
  const diff = diffTrees(indexTree(index, driveId), truthTree(truth.value));
  assert.deepEqual(diff, [], `index differs from the emulator's truth:\n${diff.join('\n')}`);
  assert.equal(index.getDriveState(driveId)?.itemCount, truth.value.length);
}

describe('streams: the index converges to the emulator truth', () => {
  for (const seed of [11, 23, 37]) {
    it(`seed ${seed}: storms of remote changes under injected faults`, async () => {
      const h = await harness({ items: 1500, seed });
      const api = controlApi(h.emu.info.controlUrl, h.emu.info.caPem);
      const dir = mkdtempSync(join(tmpdir(), 'deltafs-conv-'));
      const index = openIndex(join(dir, 'index.lmdb'));
      const engine = new SyncEngine({
        index,
        pollIntervalMs: 3_600_000,
        retry: { initialDelayMs: 20, maxDelayMs: 200, attempts: 50 },
        top: 100,
      });
      try {
        const driveId = h.emu.info.drives[0]!.id;
        engine.add(driveId, h.client());
        await converged(api, engine, driveId, index);
        for (let round = 0; round < 4; round++) {
          await api.control('PATCH', '/faults', {
            seed: seed * 100 + round,
            p429: 0.08,
            p503: 0.08,
            pReset: 0.08,
            pTruncate: 0.08,
            retryAfterSec: 0,
            forceResync: round === 2 ? 1 : 0,
          });
          await api.control('POST', `/drives/${driveId}/storm`, { seed: seed * 1000 + round, count: 150 });
          const sync = engine.feed(driveId)!.syncNow();
          // More changes while the round is in flight: the round after must pick them up.
          await api.control('POST', `/drives/${driveId}/storm`, {
            seed: seed * 1000 + round + 500,
            count: 50,
          });
          await sync;
          await api.control('PATCH', '/faults', { p429: 0, p503: 0, pReset: 0, pTruncate: 0 });
          await converged(api, engine, driveId, index);
        }
        // The faults did happen: the index converged through them, not around them.
        const stats = h.emu.server.stats;
        assert.ok(stats.count({ route: 'delta', status: 410 }) >= 1, 'a forced resync was served');
        const injected =
          stats.count({ status: 429 }) + stats.count({ status: 503 }) + stats.count({ status: 0 });
        assert.ok(injected >= 3, `faults were injected (${injected})`);
      } finally {
        engine.close();
        await index.close();
        rmSync(dir, { recursive: true, force: true });
        await api.close();
        await h.close();
      }
    });
  }
});
