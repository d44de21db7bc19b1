import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import type { Route } from '../../src/emulator/http/types.js';
import { type HttpFixture, startHttpFixture } from '../helpers/http-fixture.js';

const routes: Route[] = [
  {
    method: 'GET',
    prefix: '/v1.0',
    pattern: /^\/me\/drive$/,
    auth: 'bearer',
    name: 'me/drive',
    handler: (ctx) => ({
      status: 200,
      json: { id: 'b!drive', driveType: 'business', owner: ctx.auth?.clientId },
    }),
  },
];

/**
 * graph-client 3 on Node 20/22 calls global fetch(url, options): `fetchOptions.dispatcher` reaches
 * it, so an undici Agent trusting the emulator CA is enough. The token is only attached for hosts
 * in `customHosts` (hostname without port) reached over https.
 */
function graphClient(fx: HttpFixture, token: () => string, customHosts = new Set(['127.0.0.1'])): Client {
  return Client.init({
    baseUrl: `${fx.baseUrl}/`,
    defaultVersion: 'v1.0',
    customHosts,
    // undici 7's Agent works with Node's bundled fetch, but its types differ from undici-types'.
    fetchOptions: { dispatcher: fx.agent as unknown as RequestInit['dispatcher'] },
    authProvider: (done) => done(null, token()),
  });
}

async function graphErrorOf(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GraphError, `expected a GraphError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

describe('emulator auth checks seen through @microsoft/microsoft-graph-client', () => {
  let fx: HttpFixture;
  before(async () => {
    fx = await startHttpFixture({ routes });
  });
  after(() => fx.close());

  it('answers a Graph call with a valid bearer token', async () => {
    const token = fx.bearer();
    const drive = await graphClient(fx, () => token)
      .api('/me/drive')
      .get();
    assert.deepEqual(drive, { id: 'b!drive', driveType: 'business', owner: 'deltafs-test-app' });
  });

  it('401 for an unknown token', async () => {
    const err = await graphErrorOf(
      graphClient(fx, () => 'not-a-token')
        .api('/me/drive')
        .get(),
    );
    assert.equal(err.statusCode, 401);
    assert.equal(err.code, 'InvalidAuthenticationToken');
  });

  it('401 for an expired token, then a fresh token works again', async () => {
    let token = fx.bearer();
    const client = graphClient(fx, () => token);
    await client.api('/me/drive').get();
    fx.auth.tokens.expireAll();
    const err = await graphErrorOf(client.api('/me/drive').get());
    assert.equal(err.statusCode, 401);
    assert.equal(err.code, 'InvalidAuthenticationToken');
    assert.match(err.message, /expired/);
    token = fx.bearer();
    assert.equal((await client.api('/me/drive').get()).id, 'b!drive');
  });

  it('401 for a revoked token', async () => {
    const token = fx.bearer();
    assert.equal(fx.auth.tokens.revoke(token), true);
    const err = await graphErrorOf(
      graphClient(fx, () => token)
        .api('/me/drive')
        .get(),
    );
    assert.equal(err.statusCode, 401);
  });

  // graph-client itself refuses an empty token, so a missing one is what a host outside customHosts gets.
  it('401 InvalidAuthenticationToken for a missing token (host not in customHosts)', async () => {
    const token = fx.bearer();
    const err = await graphErrorOf(
      graphClient(fx, () => token, new Set(['localhost']))
        .api('/me/drive')
        .get(),
    );
    assert.equal(err.statusCode, 401);
    assert.equal(err.code, 'InvalidAuthenticationToken');
    assert.equal(err.message, 'Access token is empty.');
    assert.match(err.requestId ?? '', /^[0-9a-f-]{36}$/);
  });
});
