import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { trustingAgent } from '../helpers/tls.js';

const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

describe('deltafs emulator --json', () => {
  it('prints one JSON line that a script can use, serves it, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deltafs-cli-'));
    const child = spawn(
      process.execPath,
      [cli, 'emulator', '--json', '--items', '150', '--seed', '3', '--tls-dir', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited with ${code} before printing`)));
      });
      const info = JSON.parse(line) as Record<string, unknown> & { drives: Array<Record<string, unknown>> };
      for (const key of [
        'baseUrl',
        'authority',
        'tenantId',
        'clientId',
        'clientSecret',
        'caFile',
        'controlUrl',
      ]) {
        assert.equal(typeof info[key], 'string', key);
      }
      assert.match(info.baseUrl as string, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(info.drives.length >= 4);
      assert.deepEqual(Object.keys(info.drives[0]!).sort(), ['id', 'items', 'name', 'siteId']);
      assert.equal(info.drives[0]!.items, 150);

      // The CA file is what a client trusts; with it, the token endpoint and Graph answer.
      const agent = trustingAgent(readFileSync(info.caFile as string, 'utf8'));
      try {
        const tokenRes = await request(`${info.authority}/oauth2/v2.0/token`, {
          dispatcher: agent,
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: info.clientId as string,
            client_secret: info.clientSecret as string,
            scope: 'https://graph.microsoft.com/.default',
          }).toString(),
        });
        const { access_token } = (await tokenRes.body.json()) as { access_token: string };
        const drive = await request(`${info.baseUrl}/v1.0/drives/${info.drives[0]!.id}`, {
          dispatcher: agent,
          headers: { authorization: `Bearer ${access_token}` },
        });
        assert.equal(drive.statusCode, 200);
        assert.equal(((await drive.body.json()) as { name: string }).name, info.drives[0]!.name);
      } finally {
        await agent.close();
      }
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad options with a clear message', async () => {
    const child = spawn(process.execPath, [cli, 'emulator', '--items', 'lots'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.notEqual(code, 0);
    assert.match(stderr, /--items must be a whole number/);
  });
});
