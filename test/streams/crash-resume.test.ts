import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { emulatorConfig } from '../../src/app/embedded.js';
import { silentLog } from '../../src/emulator/http/log.js';
import type { TruthItem } from '../../src/emulator/index.js';
import { openIndex } from '../../store/index.js';
import { type EmulatorClient, emulatorClient } from '../helpers/emulator.js';
import { diffTrees, indexTree, truthTree } from './tree.js';

const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

function runIndexer(configFile: string) {
  const child = spawn(process.execPath, [cli, 'index', '--config', configFile, '--once', '--no-progress'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DELTAFS_LOG: 'error' },
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

describe('streams: a killed initial enumeration resumes from its last committed page', () => {
  let c: EmulatorClient;
  let dir: string;
  let driveId: string;
  let configFile: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'deltafs-crash-'));
    // Latency makes the enumeration long enough to kill in the middle.
    c = await emulatorClient({
      items: 40_000,
      seed: 9,
      tlsDir: join(dir, 'tls'),
      faults: { latencyMs: 15 },
      log: silentLog,
    });
    driveId = c.em.info.drives[0]!.id;
    configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify(
        emulatorConfig(c.em.info, join(dir, 'state'), { libraries: [{ driveId }], sync: { pageSize: 200 } }),
      ),
    );
  });
  after(async () => {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL mid-enumeration, restart: no second enumeration, converged index', async () => {
    const counts = async () =>
      (
        await c.control<{
          delta: Record<string, { fresh: number; withToken: number; itemsWithToken: number }>;
        }>('GET', '/stats')
      ).delta[driveId] ?? { fresh: 0, withToken: 0, itemsWithToken: 0 };
    // Pages are committed in batches (up to a second's worth during a first enumeration): wait
    // long enough for some to be committed and more to be in flight.
    const first = runIndexer(configFile);
    for (let i = 0; i < 600 && (await counts()).withToken < 100; i++)
      await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await counts();
    assert.equal(atKill.fresh, 1);
    assert.ok(atKill.withToken >= 100, `killed after ${atKill.withToken} continuation pages`);

    const index = openIndex(join(dir, 'state', 'index'));
    const state = index.getDriveState(driveId);
    await index.close();
    assert.ok(state?.nextLink, 'the index holds the link of the next page');
    assert.ok(
      state.itemCount > 1000 && state.itemCount < 40_000,
      `items committed before the kill: ${state.itemCount}`,
    );

    const second = runIndexer(configFile);
    assert.equal(await second.exited, 0, second.stderr());
    const done = await counts();
    assert.equal(done.fresh, 1, 'the restart did not start the enumeration over');
    // The restart is served what was not committed, not more: the items after the committed
    // link (and the ancestors delta includes with them), never the whole library again.
    const servedAfter = done.itemsWithToken - atKill.itemsWithToken;
    const left = 40_001 - state.itemCount;
    assert.ok(
      servedAfter < left * 1.1 + 500,
      `items served after the restart: ${servedAfter}, left after the last commit: ${left}`,
    );

    const truth = await c.control<{ value: TruthItem[] }>('GET', `/drives/${driveId}/truth`);
    const reopened = openIndex(join(dir, 'state', 'index'));
    try {
      const diff = diffTrees(indexTree(reopened, driveId), truthTree(truth.value));
      assert.deepEqual(diff, []);
      assert.equal(reopened.getDriveState(driveId)?.nextLink, undefined);
      assert.ok(reopened.getDriveState(driveId)?.deltaLink);
    } finally {
      await reopened.close();
    }
  });
});
