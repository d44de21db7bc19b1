import '../../src/emulator/http/reflect-metadata-shim.js';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import * as x509 from '@peculiar/x509';
import { ClientCredentialProvider, type DeviceCodePrompt, DeviceCodeProvider } from '../../src/auth/index.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { GraphClient, TenantState } from '../../src/graph/index.js';
import { captureLog, harness } from '../graph/fixture.js';

const tokenCalls = (emu: Emulator) => emu.server.stats.count({ route: 'oauth2 token' });

describe('MSAL token providers against the emulator', () => {
  let emu: Emulator;
  let dir: string;
  const log = captureLog();
  const seen: string[] = [];

  before(async () => {
    emu = await startEmulator({ items: 50, seed: 11, autoApproveDeviceCodes: true });
    dir = await mkdtemp(join(tmpdir(), 'deltafs-auth-'));
  });
  after(async () => {
    await emu.close();
    await rm(dir, { recursive: true, force: true });
    // Whatever the tests logged, no token, secret or refresh token may be in it.
    const text = log.lines.join('\n');
    for (const secret of [...seen, emu.info.clientSecret])
      assert.ok(!text.includes(secret), 'a secret reached the log');
  });

  const authority = () => ({
    authority: emu.info.authority,
    authorityMetadata: emu.info.authorityMetadata,
    caPem: emu.info.caPem,
  });
  const graph = (tokens: ClientCredentialProvider | DeviceCodeProvider) =>
    new GraphClient({
      tenantId: emu.info.tenantId,
      tokens,
      baseUrl: emu.info.baseUrl,
      caPem: emu.info.caPem,
      tenant: new TenantState(emu.info.tenantId, { budget: false }),
    });

  it('client credentials with a secret: token through MSAL, persisted 0600, reused by the next process', async () => {
    const cacheFile = join(dir, 'app', 'msal.json');
    const cfg = {
      ...authority(),
      clientId: emu.info.clientId,
      credential: { secret: emu.info.clientSecret },
      cacheFile,
      log,
    };
    const first = new ClientCredentialProvider(cfg);
    const before = tokenCalls(emu);
    const token = await first.acquireToken();
    seen.push(token);
    assert.equal(tokenCalls(emu), before + 1);
    assert.equal(await first.acquireToken(), token, 'served from memory');
    assert.equal(tokenCalls(emu), before + 1);
    assert.equal((await stat(cacheFile)).mode & 0o777, 0o600);
    assert.ok((await readFile(cacheFile, 'utf8')).includes(token), 'the cache file holds the token');

    const client = graph(first);
    const drive = await client.getDrive(emu.info.drives[0]!.id);
    assert.equal(drive.id, emu.info.drives[0]!.id);
    await client.close();

    const second = new ClientCredentialProvider(cfg); // a restart: new MSAL app, same cache file
    assert.equal(await second.acquireToken(), token);
    assert.equal(tokenCalls(emu), before + 1, 'the persisted token was reused');
    await Promise.all([first.close(), second.close()]);
  });

  it('client credentials with a certificate (signed client assertion)', async () => {
    const keys = (await webcrypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.createSelfSigned(
      {
        serialNumber: '01',
        name: 'CN=deltafs test app',
        notBefore: new Date(Date.now() - 86_400_000),
        notAfter: new Date(Date.now() + 86_400_000),
        signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' },
        keys,
      },
      webcrypto,
    );
    const certificatePem = cert.toString('pem');
    const privateKeyPem = x509.PemConverter.encode(
      await webcrypto.subtle.exportKey('pkcs8', keys.privateKey),
      'PRIVATE KEY',
    );
    const clientId = '5f0c1a2b-0000-4000-8000-00000000c3a7';
    emu.auth.directory.addApp({ tenantId: emu.info.tenantId, clientId, certificates: [certificatePem] });

    const tokens = new ClientCredentialProvider({
      ...authority(),
      clientId,
      credential: { certificatePem, privateKeyPem },
      log,
    });
    const token = await tokens.acquireToken();
    seen.push(token);
    const client = graph(tokens);
    assert.ok((await client.listSites('*')).length > 0);
    await client.close();

    const other = emu.auth.directory;
    other.addApp({ tenantId: emu.info.tenantId, clientId: `${clientId.slice(0, -1)}8`, certificates: [] });
    const rejected = new ClientCredentialProvider({
      ...authority(),
      clientId: `${clientId.slice(0, -1)}8`,
      credential: { certificatePem, privateKeyPem },
      log,
    });
    await assert.rejects(rejected.acquireToken(), (err: Error) =>
      /invalid_client/.test(`${(err as { errorCode?: string }).errorCode} ${err.message}`),
    );
    await Promise.all([tokens.close(), rejected.close()]);
  });

  it('device code flow: prompt through the callback, then silent sign-in from the cache, refresh after expiry', async () => {
    const cacheFile = join(dir, 'user', 'msal.json');
    const prompts: DeviceCodePrompt[] = [];
    const cfg = {
      ...authority(),
      clientId: emu.info.publicClientId,
      cacheFile,
      log,
      onDeviceCode: (p: DeviceCodePrompt) => prompts.push(p),
    };
    const first = new DeviceCodeProvider(cfg);
    const token = await first.acquireToken();
    seen.push(token);
    assert.equal(prompts.length, 1);
    assert.match(prompts[0]!.message, new RegExp(prompts[0]!.userCode));
    assert.ok(prompts[0]!.verificationUri.startsWith(emu.info.baseUrl));
    const account = await first.account();
    assert.ok(account?.username, 'MSAL built an account from id_token + client_info');

    const client = graph(first);
    const root = await client.get<{ id: string }>('/me/drive/root');
    assert.ok(root.id);
    await client.close();
    assert.equal((await stat(cacheFile)).mode & 0o777, 0o600);

    const second = new DeviceCodeProvider({ ...cfg, interactive: false });
    assert.equal(await second.acquireToken(), token, 'cached access token, no prompt');
    emu.auth.tokens.expireAll();
    second.invalidate(token); // what the client does on the 401
    const refreshed = await second.acquireToken();
    seen.push(refreshed);
    assert.notEqual(refreshed, token);
    assert.equal(prompts.length, 1, 'refresh token grant, not a second device code');

    const third = new DeviceCodeProvider(cfg);
    await third.signIn(); // the login command: always prompts
    assert.equal(prompts.length, 2);
    const calls = tokenCalls(emu);
    seen.push(await third.acquireToken());
    assert.equal(tokenCalls(emu), calls, 'the token from the sign-in is used as is');
    await third.close();

    emu.auth.tokens.revokeAllRefreshTokens();
    emu.auth.tokens.expireAll();
    second.invalidate();
    await assert.rejects(second.acquireToken(), /device code login/);
    await Promise.all([first.close(), second.close()]);
  });
});

describe('token refresh before expiry', () => {
  it('short-lived tokens are replaced ahead of time: no request ever meets an expired token', async () => {
    const h = await harness({ items: 20, seed: 12, tokenLifetimeSec: 3 });
    try {
      const { emu, tokens } = h;
      const client = h.client();
      const driveId = emu.info.drives[0]!.id;
      const used = new Set<string>();
      const t0 = Date.now();
      while (Date.now() - t0 < 7000) {
        used.add(await tokens.acquireToken());
        await client.getItem(driveId, 'root');
        await sleep(50);
      }
      assert.equal(
        emu.server.stats.count({ status: 401 }),
        0,
        'no 401: every token was replaced before it expired',
      );
      assert.ok(used.size >= 3, `${used.size} tokens over 7 s of 3 s tokens`);
      assert.ok(tokenCalls(emu) <= used.size + 1, 'about one token request per token, not per call');
    } finally {
      await h.close();
    }
  });
});
