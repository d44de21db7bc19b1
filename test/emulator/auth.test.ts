import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import '../../src/emulator/http/reflect-metadata-shim.js';
import {
  type AccountInfo,
  ConfidentialClientApplication,
  type Configuration,
  PublicClientApplication,
} from '@azure/msal-node';
import * as x509 from '@peculiar/x509';
import { fetch } from 'undici';
import { UndiciNetworkModule } from '../../src/auth/index.js';
import { DeviceCodeStore } from '../../src/emulator/auth/device-codes.js';
import { msalAuthorityMetadata } from '../../src/emulator/auth/metadata.js';
import { TokenRegistry } from '../../src/emulator/auth/token-registry.js';
import type { Route } from '../../src/emulator/http/types.js';
import { APP, type HttpFixture, PUBLIC_APP, startHttpFixture, TENANT } from '../helpers/http-fixture.js';

const whoami: Route = {
  method: 'GET',
  prefix: '/v1.0',
  pattern: /^\/me$/,
  auth: 'bearer',
  handler: (ctx) => ({ status: 200, json: ctx.auth }),
};

/** MSAL pointed at the emulator: https authority, known authority host:port, metadata given, CA trusted. */
function msalConfig(
  fx: HttpFixture,
  auth: Partial<Configuration['auth']> & { clientId: string },
): Configuration {
  return {
    auth: {
      authority: `${fx.baseUrl}/${TENANT}`,
      knownAuthorities: [new URL(fx.baseUrl).host],
      authorityMetadata: msalAuthorityMetadata(fx.baseUrl, TENANT),
      ...auth,
    },
    system: { networkClient: new UndiciNetworkModule({ dispatcher: fx.agent }) },
  };
}

async function rsaCertificate(
  clientId: string,
): Promise<{ certPem: string; keyPem: string; thumbprintSha256: string }> {
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    { name: `CN=${clientId}`, keys, signingAlgorithm: alg, notAfter: new Date(Date.now() + 86_400_000) },
    webcrypto,
  );
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    certPem: cert.toString('pem'),
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
    thumbprintSha256: createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex'),
  };
}

async function callMe(fx: HttpFixture, token: string) {
  const res = await fetch(`${fx.baseUrl}/v1.0/me`, {
    dispatcher: fx.agent,
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function tokenRequest(fx: HttpFixture, form: Record<string, string>, tenant = TENANT) {
  const res = await fetch(`${fx.baseUrl}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    dispatcher: fx.agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('token endpoint with @azure/msal-node', () => {
  let fx: HttpFixture;
  let cert: Awaited<ReturnType<typeof rsaCertificate>>;
  const certApp = { tenantId: TENANT, clientId: 'deltafs-cert-app', certificates: [] as string[] };
  before(async () => {
    cert = await rsaCertificate(certApp.clientId);
    certApp.certificates.push(cert.certPem);
    fx = await startHttpFixture({
      routes: [whoami],
      auth: { apps: [APP, PUBLIC_APP, certApp], deviceCodes: { intervalSec: 1 } },
    });
  });
  after(() => fx.close());

  it('client credentials with a secret: the token opens Graph routes', async () => {
    const cca = new ConfidentialClientApplication(
      msalConfig(fx, { clientId: APP.clientId, clientSecret: APP.clientSecret }),
    );
    const result = await cca.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    assert.ok(result?.accessToken);
    assert.equal(result.tokenType, 'Bearer');
    assert.ok(result.expiresOn && result.expiresOn.getTime() > Date.now() + 3_500_000);
    const me = await callMe(fx, result.accessToken);
    assert.equal(me.status, 200);
    assert.equal(me.body.tenantId, TENANT);
    assert.equal(me.body.clientId, APP.clientId);
  });

  it('client credentials with a wrong secret fail with invalid_client', async () => {
    const cca = new ConfidentialClientApplication(
      msalConfig(fx, { clientId: APP.clientId, clientSecret: 'wrong' }),
    );
    await assert.rejects(
      cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }),
      {
        errorCode: 'invalid_client',
      },
    );
  });

  it('an unknown client id fails with unauthorized_client', async () => {
    const cca = new ConfidentialClientApplication(msalConfig(fx, { clientId: 'nobody', clientSecret: 'x' }));
    await assert.rejects(
      cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }),
      {
        errorCode: 'unauthorized_client',
      },
    );
  });

  it('client credentials with a certificate (signed client assertion)', async () => {
    const cca = new ConfidentialClientApplication(
      msalConfig(fx, {
        clientId: certApp.clientId,
        clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.keyPem },
      }),
    );
    const result = await cca.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    assert.equal((await callMe(fx, result!.accessToken)).body.clientId, certApp.clientId);
  });

  it('a certificate the app does not have is refused', async () => {
    const other = await rsaCertificate('someone-else');
    const cca = new ConfidentialClientApplication(
      msalConfig(fx, {
        clientId: certApp.clientId,
        clientCertificate: { thumbprintSha256: other.thumbprintSha256, privateKey: other.keyPem },
      }),
    );
    await assert.rejects(
      cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }),
      {
        errorCode: 'invalid_client',
      },
    );
  });

  it('device code flow: pending until approved, then an account, and refresh works', async () => {
    fx.auth.deviceCodes.setAutoApprove({ afterMs: 1200 });
    fx.server.stats.reset();
    const pca = new PublicClientApplication(msalConfig(fx, { clientId: PUBLIC_APP.clientId }));
    let userCode = '';
    const result = await pca.acquireTokenByDeviceCode({
      scopes: ['Files.ReadWrite.All'],
      deviceCodeCallback: (r) => {
        userCode = r.userCode;
        assert.match(r.message, /devicelogin/);
      },
    });
    fx.auth.deviceCodes.setAutoApprove(false);
    assert.match(userCode, /^[A-Z2-9]{9}$/);
    assert.ok(fx.server.stats.count({ route: 'oauth2 token', status: 400 }) >= 1, 'polled while pending');
    const account = result!.account as AccountInfo;
    assert.equal(account.tenantId, TENANT);
    assert.equal(account.username, `demo.user@${TENANT}.example`);
    const me = await callMe(fx, result!.accessToken);
    assert.equal(me.body.userId, account.localAccountId);

    const refreshed = await pca.acquireTokenSilent({
      account,
      scopes: ['Files.ReadWrite.All'],
      forceRefresh: true,
    });
    assert.notEqual(refreshed.accessToken, result!.accessToken);
    assert.equal((await callMe(fx, refreshed.accessToken)).status, 200);
  });

  it('device code flow approved by hand through the store', async () => {
    const pca = new PublicClientApplication(msalConfig(fx, { clientId: PUBLIC_APP.clientId }));
    const result = await pca.acquireTokenByDeviceCode({
      scopes: ['Files.Read'],
      deviceCodeCallback: (r) => {
        assert.ok(fx.auth.deviceCodes.pending().some((e) => e.userCode === r.userCode));
        setTimeout(() => assert.equal(fx.auth.deviceCodes.approve(r.userCode.toLowerCase()), true), 300);
      },
    });
    assert.equal(result!.account?.tenantId, TENANT);
  });

  it('device code flow declined by the user fails', async () => {
    const pca = new PublicClientApplication(msalConfig(fx, { clientId: PUBLIC_APP.clientId }));
    await assert.rejects(
      pca.acquireTokenByDeviceCode({
        scopes: ['Files.Read'],
        deviceCodeCallback: (r) => {
          setTimeout(() => fx.auth.deviceCodes.decline(r.userCode), 100);
        },
      }),
      /authorization_declined/,
    );
  });
});

describe('token endpoint errors in OAuth shape', () => {
  let fx: HttpFixture;
  before(async () => {
    fx = await startHttpFixture();
  });
  after(() => fx.close());

  it('unsupported grant type → 400 unsupported_grant_type with Entra ID fields', async () => {
    const r = await tokenRequest(fx, { grant_type: 'password', client_id: APP.clientId });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'unsupported_grant_type');
    assert.match(String(r.body.error_description), /^AADSTS\d+: /);
    assert.ok(Array.isArray(r.body.error_codes));
    assert.ok(r.body.trace_id && r.body.correlation_id && r.body.timestamp);
  });

  it('missing grant type → 400 invalid_request; unknown tenant → 400 invalid_request', async () => {
    assert.equal((await tokenRequest(fx, { client_id: APP.clientId })).body.error, 'invalid_request');
    const r = await tokenRequest(
      fx,
      { grant_type: 'client_credentials', client_id: APP.clientId },
      'no-such-tenant',
    );
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
  });

  it('wrong secret → 401 invalid_client; no credential → 401 invalid_client', async () => {
    const base = {
      grant_type: 'client_credentials',
      client_id: APP.clientId,
      scope: 'https://graph.microsoft.com/.default',
    };
    const wrong = await tokenRequest(fx, { ...base, client_secret: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    const none = await tokenRequest(fx, base);
    assert.equal(none.status, 401);
  });

  it('client credentials need a single /.default scope', async () => {
    const r = await tokenRequest(fx, {
      grant_type: 'client_credentials',
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
      scope: 'Files.Read',
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_scope');
  });

  it('a good request answers the token shape', async () => {
    const r = await tokenRequest(fx, {
      grant_type: 'client_credentials',
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.expires_in, 3600);
    assert.equal(r.body.ext_expires_in, 3600);
    assert.equal(typeof r.body.access_token, 'string');
  });

  it('unknown device code and unknown refresh token → 400 invalid_grant', async () => {
    const dc = await tokenRequest(fx, {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: PUBLIC_APP.clientId,
      device_code: 'made-up',
    });
    assert.equal(dc.status, 400);
    assert.equal(dc.body.error, 'invalid_grant');
    const rt = await tokenRequest(fx, {
      grant_type: 'refresh_token',
      client_id: PUBLIC_APP.clientId,
      refresh_token: 'x',
    });
    assert.equal(rt.body.error, 'invalid_grant');
  });

  it('device code: authorization_pending, then a token with id_token and client_info, then invalid_grant', async () => {
    const res = await fetch(`${fx.baseUrl}/${TENANT}/oauth2/v2.0/devicecode`, {
      method: 'POST',
      dispatcher: fx.agent,
      body: new URLSearchParams({
        client_id: PUBLIC_APP.clientId,
        scope: 'Files.Read offline_access',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const code = (await res.json()) as Record<string, string | number>;
    assert.deepEqual(Object.keys(code).sort(), [
      'device_code',
      'expires_in',
      'interval',
      'message',
      'user_code',
      'verification_uri',
    ]);
    const form = {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: PUBLIC_APP.clientId,
      device_code: String(code.device_code),
    };
    assert.equal((await tokenRequest(fx, form)).body.error, 'authorization_pending');
    assert.equal(fx.auth.deviceCodes.approve(String(code.user_code)), true);
    const thief = await tokenRequest(fx, {
      ...form,
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
    });
    assert.equal(thief.body.error, 'invalid_grant', 'another client cannot redeem the code');
    const ok = await tokenRequest(fx, form);
    assert.equal(ok.status, 200);
    const [header, payload, signature] = String(ok.body.id_token).split('.');
    assert.equal(JSON.parse(Buffer.from(header!, 'base64url').toString()).alg, 'none');
    assert.equal(signature, '');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    assert.equal(claims.tid, TENANT);
    const info = JSON.parse(Buffer.from(String(ok.body.client_info), 'base64url').toString());
    assert.deepEqual(info, { uid: claims.oid, utid: TENANT });
    assert.equal(typeof ok.body.refresh_token, 'string');
    assert.equal((await tokenRequest(fx, form)).body.error, 'invalid_grant');
  });

  it('serves OpenID metadata equal to what msalAuthorityMetadata gives MSAL', async () => {
    const res = await fetch(`${fx.baseUrl}/${TENANT}/v2.0/.well-known/openid-configuration`, {
      dispatcher: fx.agent,
    });
    const served = (await res.json()) as Record<string, string>;
    assert.deepEqual(served, JSON.parse(msalAuthorityMetadata(fx.baseUrl, TENANT)));
    assert.equal(served.device_authorization_endpoint, `${fx.baseUrl}/${TENANT}/oauth2/v2.0/devicecode`);
    const jwks = await fetch(served.jwks_uri!, { dispatcher: fx.agent });
    assert.equal(jwks.status, 200);
  });
});

describe('TokenRegistry', () => {
  const grant = { tenantId: 't', clientId: 'c', scopes: ['s'] };

  it('issues tokens that verify until their lifetime ends', () => {
    let now = 1_000_000;
    const reg = new TokenRegistry({ lifetimeSec: 60, now: () => now });
    const { token, expiresIn, expiresAt } = reg.issue(grant);
    assert.equal(expiresIn, 60);
    assert.equal(expiresAt, now + 60_000);
    assert.deepEqual(reg.verify(token), { ok: true, auth: { tenantId: 't', clientId: 'c', expiresAt } });
    now += 60_000;
    assert.deepEqual(reg.verify(token), { ok: false, reason: 'expired' });
    assert.deepEqual(reg.verify('other'), { ok: false, reason: 'unknown' });
  });

  it('expireAll expires access tokens but keeps refresh tokens; revoke forgets one token', () => {
    const reg = new TokenRegistry();
    const a = reg.issue(grant).token;
    const b = reg.issue({ ...grant, userId: 'u' }).token;
    const r = reg.issueRefresh({ ...grant, userId: 'u' }).token;
    reg.expireAll();
    assert.equal(reg.verify(a).ok, false);
    assert.equal(reg.verify(b).ok, false);
    assert.deepEqual(reg.redeemRefresh(r), { ...grant, userId: 'u' });
    const c = reg.issue(grant).token;
    assert.equal(reg.verify(c).ok, true);
    assert.equal(reg.revoke(c), true);
    assert.deepEqual(reg.verify(c), { ok: false, reason: 'unknown' });
    assert.equal(reg.revoke(r), true);
    assert.equal(reg.redeemRefresh(r), undefined);
  });

  it('setLifetime changes the lifetime of later tokens', () => {
    const reg = new TokenRegistry();
    assert.equal(reg.issue(grant).expiresIn, 3600);
    reg.setLifetime(5);
    assert.equal(reg.issue(grant).expiresIn, 5);
  });
});

describe('DeviceCodeStore', () => {
  const user = { id: 'u1', tenantId: 't', userPrincipalName: 'u1@t', displayName: 'U' };
  const make = (opts: ConstructorParameters<typeof DeviceCodeStore>[1] = {}) => {
    const clock = { now: 0 };
    const store = new DeviceCodeStore(() => user, { lifetimeSec: 60, ...opts, now: () => clock.now });
    return { clock, store };
  };

  it('expires codes after their lifetime', () => {
    const { clock, store } = make();
    const e = store.start('t', 'c', ['s']);
    clock.now = 59_999;
    assert.deepEqual(store.poll(e.deviceCode, 'c'), { state: 'pending' });
    clock.now = 60_000;
    assert.deepEqual(store.poll(e.deviceCode, 'c'), { state: 'expired' });
    assert.equal(store.approve(e.userCode), false);
  });

  it('auto-approves after the configured delay, once', () => {
    const { clock, store } = make({ autoApprove: { afterMs: 1000 } });
    const e = store.start('t', 'c', ['s']);
    assert.equal(store.poll(e.deviceCode, 'c').state, 'pending');
    clock.now = 1000;
    const approved = store.poll(e.deviceCode, 'c');
    assert.equal(approved.state, 'approved');
    assert.deepEqual('entry' in approved && approved.entry.user, user);
    assert.equal(store.poll(e.deviceCode, 'c').state, 'redeemed');
  });

  it('accepts user codes typed loosely and records declines', () => {
    const { store } = make();
    const a = store.start('t', 'c', ['s']);
    const b = store.start('t', 'c', ['s']);
    const typed = `${a.userCode.slice(0, 4).toLowerCase()}-${a.userCode.slice(4)}`;
    assert.equal(store.approve(typed), true);
    assert.equal(store.decline(b.userCode), true);
    assert.equal(store.poll(b.deviceCode, 'c').state, 'declined');
    assert.equal(store.poll(a.deviceCode, 'other-client').state, 'unknown');
    assert.equal(store.poll(a.deviceCode, 'c').state, 'approved');
    assert.deepEqual(store.pending(), []);
  });
});
