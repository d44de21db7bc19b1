import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFolder } from '../../src/graph/api/items.js';
import type { GraphTransport } from '../../src/graph/api/transport.js';
import type { Method, RequestOptions } from '../../src/graph/client.js';
import { ClientErrorCode, GraphRequestError } from '../../src/graph/errors.js';

const lost = () =>
  GraphRequestError.noResponse(
    ClientErrorCode.network,
    'UND_ERR_SOCKET',
    'POST',
    '/x',
    new Error('other side closed'),
  );
const notFound = () =>
  new GraphRequestError({ status: 404, codes: ['itemNotFound'], message: 'x', method: 'GET', route: '/x' });

/** Answers calls from a script, in order, and records them. */
function scripted(...answers: (() => unknown)[]): GraphTransport & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async request<T>(method: Method, url: string, _opts?: RequestOptions): Promise<T> {
      calls.push(`${method} ${url}`);
      const next = answers.shift();
      if (!next) throw new Error('unexpected call');
      return next() as T;
    },
  };
}

describe('createFolder after a lost connection', () => {
  it('returns the folder when the lost POST had created it', async () => {
    const t = scripted(
      () => {
        throw lost();
      },
      () => ({ id: 'f1', name: 'A b', folder: {} }),
    );
    const folder = await createFolder(t, 'd', 'p', 'A b');
    assert.equal(folder.id, 'f1');
    assert.deepEqual(t.calls, ['POST /drives/d/items/p/children', 'GET /drives/d/items/p:/A%20b:']);
  });

  it('posts once more when the folder is not there', async () => {
    const t = scripted(
      () => {
        throw lost();
      },
      () => {
        throw notFound();
      },
      () => ({ id: 'f2', folder: {} }),
    );
    assert.equal((await createFolder(t, 'd', 'root', 'x')).id, 'f2');
    assert.equal(t.calls.length, 3);
    assert.equal(t.calls[1], 'GET /drives/d/root:/x:');
  });

  it('does not take a file of that name for the folder', async () => {
    const t = scripted(
      () => {
        throw lost();
      },
      () => ({ id: 'file', file: {} }),
    );
    await assert.rejects(
      createFolder(t, 'd', 'p', 'x'),
      (e: unknown) => e instanceof GraphRequestError && e.status === 0,
    );
  });

  it('with conflictBehavior rename a retry could duplicate, so the error stands', async () => {
    const t = scripted(() => {
      throw lost();
    });
    await assert.rejects(createFolder(t, 'd', 'p', 'x', { conflictBehavior: 'rename' }));
    assert.equal(t.calls.length, 1);
  });
});
