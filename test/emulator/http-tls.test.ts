import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetch } from 'undici';
import { TokenRegistry } from '../../src/emulator/auth/token-registry.js';
import { startEmulatorServer } from '../../src/emulator/http/server.js';
import { createTls, loadOrCreateTls } from '../../src/emulator/http/tls.js';
import { trustingAgent } from '../helpers/tls.js';

describe('emulator TLS material', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deltafs-tls-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('issues a server certificate for 127.0.0.1, ::1 and localhost signed by its own CA', async () => {
    const tls = await createTls();
    const ca = new X509Certificate(tls.caPem);
    const cert = new X509Certificate(tls.certPem);
    assert.equal(ca.ca, true);
    assert.equal(cert.ca, false);
    assert.equal(cert.checkIssued(ca), true);
    assert.equal(cert.verify(ca.publicKey), true);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkHost('example.com'), undefined);
    assert.equal(tls.caFile, undefined);
  });

  it('persists ca.pem, server.pem and a 0600 key, and reuses them while valid', async () => {
    const first = await loadOrCreateTls(dir);
    assert.equal(first.caFile, join(dir, 'ca.pem'));
    assert.equal(await readFile(join(dir, 'ca.pem'), 'utf8'), first.caPem);
    assert.equal(await readFile(join(dir, 'server.pem'), 'utf8'), first.certPem);
    assert.equal((await stat(join(dir, 'server-key.pem'))).mode & 0o777, 0o600);
    const second = await loadOrCreateTls(dir);
    assert.deepEqual(second, first);
  });

  it('replaces material that does not check out', async () => {
    const first = await loadOrCreateTls(dir);
    const other = await createTls();
    // A key that does not belong to the certificate.
    await writeFile(join(dir, 'server-key.pem'), other.keyPem);
    const replaced = await loadOrCreateTls(dir);
    assert.notEqual(replaced.caPem, first.caPem);
    assert.equal(await readFile(join(dir, 'ca.pem'), 'utf8'), replaced.caPem);
    await writeFile(join(dir, 'server.pem'), 'garbage');
    assert.notEqual((await loadOrCreateTls(dir)).caPem, replaced.caPem);
  });

  it('serves on ::1 with the persisted material, trusted through the CA file', async () => {
    const tls = await loadOrCreateTls(dir);
    const server = await startEmulatorServer({
      host: '::1',
      tls,
      tokens: new TokenRegistry(),
      routes: [
        {
          method: 'GET',
          prefix: '',
          pattern: /^\/hello$/,
          auth: 'none',
          handler: () => ({ status: 200, body: 'hi' }),
        },
      ],
    });
    // Node 22.23's checkServerIdentity cannot match an IPv6 literal (domainToASCII('::1') is ''),
    // so the connection goes to [::1] and the certificate is checked for 'localhost'.
    const agent = trustingAgent(await readFile(tls.caFile!, 'utf8'), {
      connect: { servername: 'localhost' },
    });
    try {
      assert.match(server.baseUrl, /^https:\/\/\[::1\]:\d+$/);
      const res = await fetch(`${server.baseUrl}/hello`, { dispatcher: agent });
      assert.equal(await res.text(), 'hi');
      const wrongCa = trustingAgent((await createTls()).caPem, { connect: { servername: 'localhost' } });
      await assert.rejects(fetch(`${server.baseUrl}/hello`, { dispatcher: wrongCa }));
      await wrongCa.close();
    } finally {
      await agent.close();
      await server.close();
    }
  });
});
