import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openIndex } from '../../store/index.js';

const child = fileURLToPath(new URL('./crash-child.js', import.meta.url));

/** Starts the writer, kills it with SIGKILL once it has committed `pages` pages. */
function runAndKill(path: string, pages: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let seen = -1;
    let buffered = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) seen = Number(line);
      if (seen + 1 >= pages && !proc.killed) proc.kill('SIGKILL');
    });
    proc.on('error', reject);
    proc.on('exit', () => resolve(seen));
  });
}

describe('crash while applying pages', () => {
  it('reopens with the link and the items of the same last committed page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltafs-crash-'));
    try {
      for (const pages of [3, 17, 40]) {
        const path = join(dir, `index-${pages}`);
        const acknowledged = await runAndKill(path, pages);
        const index = openIndex(path);
        try {
          const state = index.getDriveState('b!crash')!;
          const last = Number(state.nextLink!.replace('next-', ''));
          assert.ok(last >= acknowledged, `link ${state.nextLink} behind acknowledged page ${acknowledged}`);
          assert.equal(index.getItem('b!crash', 'counter')?.name, `page-${last}`);
          assert.equal(state.itemCount, 2 + 20 * (last + 1));
          assert.equal(index.countChildren('b!crash', 'root'), 1 + 20 * (last + 1));
          assert.ok(index.getItem('b!crash', `p${last}-19`));
          assert.equal(index.getItem('b!crash', `p${last + 1}-0`), undefined);
        } finally {
          await index.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
