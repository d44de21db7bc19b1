import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../../src/app/config.js';

const minimal = {
  auth: { tenantId: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-000000000001' },
};

describe('configuration', () => {
  it('fills sane defaults around the two required fields', () => {
    const cfg = parseConfig(minimal, '/srv');
    assert.equal(cfg.graph.baseUrl, 'https://graph.microsoft.com');
    assert.equal(cfg.stateDir, join(homedir(), '.local/state/deltafs'));
    assert.deepEqual(cfg.libraries, []);
    assert.equal(cfg.sync.pageSize, 1000);
    assert.equal(cfg.mount.layout, 'sites');
    assert.equal(cfg.mount.cacheMiB, 256);
    assert.equal(cfg.auth.clientSecretEnv, 'DELTAFS_CLIENT_SECRET');
    assert.equal(cfg.webhook, undefined);
  });

  it('resolves relative paths against the config file, ~ against the home directory', () => {
    const cfg = parseConfig({ ...minimal, stateDir: 'state', graph: { caFile: '~/ca.pem' } }, '/etc/deltafs');
    assert.equal(cfg.stateDir, '/etc/deltafs/state');
    assert.equal(cfg.graph.caFile, join(homedir(), 'ca.pem'));
  });

  it('names every mistake with its path, and nothing else gets through', () => {
    const bad = {
      auth: { tenantId: '', clientId: 'x', clientSecrett: 'typo' },
      libraries: [{ site: 'Finance' }],
      sync: { pageSize: 5000 },
      mount: { layout: 'tree' },
      extra: true,
    };
    assert.throws(
      () => parseConfig(bad),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        for (const path of [
          'auth.tenantId',
          'auth',
          'libraries.0',
          'sync.pageSize',
          'mount.layout',
          '(top level)',
        ]) {
          assert.ok(err.message.includes(`  ${path}:`), `mentions ${path}:\n${err.message}`);
        }
        return true;
      },
    );
  });

  it('reports an unreadable file and bad JSON as such', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltafs-config-'));
    try {
      assert.throws(() => loadConfig(join(dir, 'missing.json')), /cannot read .*missing\.json/);
      writeFileSync(join(dir, 'broken.json'), '{ "auth": ');
      assert.throws(() => loadConfig(join(dir, 'broken.json')), /broken\.json is not valid JSON/);
      writeFileSync(join(dir, 'ok.json'), JSON.stringify({ ...minimal, stateDir: './s' }));
      assert.equal(loadConfig(join(dir, 'ok.json')).stateDir, join(dir, 's'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
