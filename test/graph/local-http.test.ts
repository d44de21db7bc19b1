import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { GraphClient, GraphRequestError, TenantState } from '../../src/graph/index.js';

/**
 * graph-client only treats https:// URLs as absolute and only authorises Graph's own hosts; the
 * client's own URL handling and auth middleware must work for any configured origin, including a
 * plain-http loopback server.
 */
describe('GraphClient on a plain-http loopback origin', () => {
  let server: Server;
  let base: string;
  const seen: { url: string; auth?: string }[] = [];

  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization });
      if (req.url?.startsWith('/v1.0/me')) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: 'me', url: req.url }));
      } else {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'itemNotFound' } }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('resolves relative paths, keeps absolute query strings verbatim and authorises the configured origin', async () => {
    const tokens = { acquireToken: async () => 'tok-1', invalidate() {} };
    const client = new GraphClient({
      tenantId: 't',
      tokens,
      baseUrl: base,
      tenant: new TenantState('t', { budget: false }),
    });
    assert.equal((await client.get<{ id: string }>('/me')).id, 'me');
    const link = `${base}/v1.0/me/drive/root/delta?token=a%2Fb%3D&$top=5&$select=id`;
    await client.get(link);
    assert.deepEqual(
      seen.map((s) => s.url),
      ['/v1.0/me', '/v1.0/me/drive/root/delta?token=a%2Fb%3D&$top=5&$select=id'],
    );
    assert.ok(seen.every((s) => s.auth === 'Bearer tok-1'));
    const err = await client.get(`${base}/v1.0/nothing`).catch((e: unknown) => e);
    assert.ok(err instanceof GraphRequestError && err.status === 404 && err.code === 'itemNotFound');
    await client.close();
  });

  it('refuses to put tokens on plain http beyond loopback', () => {
    const tokens = { acquireToken: async () => 'x', invalidate() {} };
    assert.throws(
      () => new GraphClient({ tenantId: 't', tokens, baseUrl: 'http://graph.example.com' }),
      /refusing/,
    );
  });
});
