import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphClientError } from '@microsoft/microsoft-graph-client';
import { GraphRequestError, hasCode, parseErrorBody } from '../../src/graph/errors.js';
import { parseRetryAfter } from '../../src/graph/retry-after.js';

describe('GraphRequestError', () => {
  it('collects the whole innerError chain, outermost first', async () => {
    const body = {
      error: {
        code: 'resyncRequired',
        message: 'Resync required. Replace any local items with the server version.',
        innerError: {
          code: 'resyncApplyDifferences',
          'request-id': 'body-rid',
          innererror: { code: 'syncStateNotFound' },
        },
      },
    };
    const res = new Response(JSON.stringify(body), {
      status: 410,
      headers: {
        'content-type': 'application/json',
        location: 'https://g/v1.0/drives/d/root/delta?token=fresh',
        'request-id': 'hdr-rid',
      },
    });
    const err = await GraphRequestError.fromResponse(res, 'GET', '/drives/{id}/root/delta');
    assert.equal(err.status, 410);
    assert.equal(err.code, 'resyncRequired');
    assert.deepEqual(err.codes, ['resyncRequired', 'resyncApplyDifferences', 'syncStateNotFound']);
    assert.equal(err.location, 'https://g/v1.0/drives/d/root/delta?token=fresh');
    assert.equal(err.requestId, 'hdr-rid');
    assert.ok(hasCode(err, 'resyncRequired'));
    assert.ok(hasCode(err, 'SYNCSTATENOTFOUND'));
    assert.ok(!hasCode(err, 'itemNotFound'));
    assert.ok(!hasCode(new Error('resyncRequired'), 'resyncRequired'));
  });

  it('stays a GraphRequestError and a GraphClientError (graph-client passes those through)', () => {
    const err = new GraphRequestError({
      status: 404,
      codes: ['itemNotFound'],
      message: 'x',
      method: 'GET',
      route: '/',
    });
    assert.ok(err instanceof GraphRequestError);
    assert.ok(err instanceof GraphClientError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'GraphRequestError');
  });

  it('copes with bodies that are not Graph errors', async () => {
    const err = await GraphRequestError.fromResponse(
      new Response('<html>bad gateway</html>', { status: 502 }),
      'GET',
      '/x',
    );
    assert.deepEqual(err.codes, ['http502']);
    assert.equal(err.requestId, undefined);
    assert.deepEqual(parseErrorBody({ error: 'nope' }).codes, []);
    assert.deepEqual(parseErrorBody(null).codes, []);
  });

  it('reads Retry-After in seconds and as a date', async () => {
    const res = new Response('{}', { status: 429, headers: { 'retry-after': '7' } });
    assert.equal((await GraphRequestError.fromResponse(res, 'GET', '/x')).retryAfterMs, 7000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now), 3000);
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it('keeps secrets out of the message', async () => {
    const body = {
      error: {
        code: 'invalidRequest',
        message: 'bad link https://g/v1.0/drives/d/root/delta?token=SECRET123',
      },
    };
    const err = await GraphRequestError.fromResponse(
      new Response(JSON.stringify(body), { status: 400 }),
      'GET',
      '/x',
    );
    assert.ok(!err.message.includes('SECRET123'), err.message);
  });
});
