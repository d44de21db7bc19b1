import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TokenCacheContext } from '@azure/msal-node';
import { FileTokenCache } from '../../src/auth/cache-file.js';

/** The two calls MSAL makes on a context: enough to drive the plugin without MSAL. */
function context(state: { data: string; changed: boolean }): TokenCacheContext {
  return {
    cacheHasChanged: state.changed,
    tokenCache: {
      serialize: () => state.data,
      deserialize: (d: string) => {
        state.data = d;
      },
    },
  } as unknown as TokenCacheContext;
}

describe('FileTokenCache', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deltafs-cache-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the file 0600 inside a 0700 directory and reads it back', async () => {
    const path = join(dir, 'sub', 'msal.json');
    const cache = new FileTokenCache(path);
    await cache.beforeCacheAccess(context({ data: '', changed: false }));
    await cache.afterCacheAccess(context({ data: '{"a":1}', changed: true }));
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'sub'))).mode & 0o777, 0o700);
    const state = { data: '', changed: false };
    await cache.beforeCacheAccess(context(state));
    assert.equal(state.data, '{"a":1}');
  });

  it('does not write when MSAL reports no change', async () => {
    const path = join(dir, 'unchanged.json');
    await new FileTokenCache(path).afterCacheAccess(context({ data: '{}', changed: false }));
    await assert.rejects(stat(path), { code: 'ENOENT' });
  });

  it('narrows a widened file back to 0600', async () => {
    const path = join(dir, 'wide.json');
    await writeFile(path, '{"b":2}');
    await chmod(path, 0o644);
    const warnings: object[] = [];
    const log = { debug() {}, info() {}, warn: (o: object) => warnings.push(o), error() {} };
    const state = { data: '', changed: false };
    await new FileTokenCache(path, log).beforeCacheAccess(context(state));
    assert.equal(state.data, '{"b":2}');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(warnings.length, 1);
  });

  it('refuses to follow a symlink', async () => {
    const target = join(dir, 'target.json');
    await writeFile(target, '{}', { mode: 0o600 });
    const link = join(dir, 'link.json');
    await symlink(target, link);
    await assert.rejects(new FileTokenCache(link).beforeCacheAccess(context({ data: '', changed: false })), {
      code: 'ELOOP',
    });
  });

  it('replaces atomically: concurrent writes leave one whole version and no temp files', async () => {
    const path = join(dir, 'race.json');
    const cache = new FileTokenCache(path);
    const versions = Array.from({ length: 20 }, (_, i) => JSON.stringify({ v: i, pad: 'x'.repeat(10_000) }));
    await Promise.all(versions.map((data) => cache.afterCacheAccess(context({ data, changed: true }))));
    const final = await readFile(path, 'utf8');
    assert.ok(versions.includes(final));
    assert.equal(JSON.parse(final).v, 19, 'writes land in call order');
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  it('survives a corrupt file with a warning instead of failing sign-in', async () => {
    const path = join(dir, 'corrupt.json');
    await writeFile(path, 'not json', { mode: 0o600 });
    const warnings: object[] = [];
    const log = { debug() {}, info() {}, warn: (o: object) => warnings.push(o), error() {} };
    const ctx = {
      cacheHasChanged: false,
      tokenCache: {
        serialize: () => '',
        deserialize: (d: string) => JSON.parse(d),
      },
    } as unknown as TokenCacheContext;
    await new FileTokenCache(path, log).beforeCacheAccess(ctx);
    assert.equal(warnings.length, 1);
  });
});
