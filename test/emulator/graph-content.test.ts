import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type * as MG from '@microsoft/microsoft-graph-types';
import { quickXorHash } from '../../src/emulator/content/index.js';
import { type EmulatorClient, emulatorClient, graphErrorOf } from '../helpers/emulator.js';

const KiB = 1024;

describe('emulator: downloads and ranges', () => {
  let c: EmulatorClient;
  let d: string;
  let file: MG.DriveItem;
  let bytes: Buffer;
  before(async () => {
    c = await emulatorClient({ items: 300, seed: 3, behaviour: { downloadUrlTtlMs: 1500 } });
    d = c.em.info.drives[0]!.id;
    bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
    await c.control('POST', `/drives/${d}/ops`, {
      op: 'createFile',
      parent: '/',
      name: 'data.bin',
      base64: bytes.toString('base64'),
    });
    file = (await c.graph.api(`/drives/${d}/root:/data.bin:`).get()) as MG.DriveItem;
  });
  after(() => c.close());

  const contentUrl = async (id: string) => {
    const res = await c.raw(`${c.em.info.baseUrl}/v1.0/drives/${d}/items/${id}/content`, {
      headers: { authorization: `Bearer ${await c.token()}` },
    });
    assert.equal(res.status, 302);
    return res.headers.location!;
  };

  it('redirects /content to a pre-authenticated URL that serves the whole file with its hash', async () => {
    const url = await contentUrl(file.id!);
    assert.equal(url, url.replace(/Bearer/g, ''));
    const res = await c.raw(url);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, bytes);
    assert.equal(res.headers.etag, file.cTag);
    assert.equal(quickXorHash(res.body), file.file!.hashes!.quickXorHash);
    assert.equal((file as Record<string, unknown>)['@microsoft.graph.downloadUrl'] !== undefined, true);
  });

  it('serves ranges: 206 with Content-Range, suffix and open ranges, 416 past the end', async () => {
    const url = await contentUrl(file.id!);
    const r1 = await c.raw(url, { headers: { range: 'bytes=1000-1999' } });
    assert.equal(r1.status, 206);
    assert.equal(r1.headers['content-range'], `bytes 1000-1999/${bytes.length}`);
    assert.deepEqual(r1.body, bytes.subarray(1000, 2000));
    const r2 = await c.raw(url, { headers: { range: 'bytes=-10' } });
    assert.deepEqual(r2.body, bytes.subarray(bytes.length - 10));
    const r3 = await c.raw(url, { headers: { range: 'bytes=99990-' } });
    assert.deepEqual(r3.body, bytes.subarray(99990));
    const r4 = await c.raw(url, { headers: { range: `bytes=${bytes.length}-` } });
    assert.equal(r4.status, 416);
    assert.equal(r4.headers['content-range'], `bytes */${bytes.length}`);
  });

  it('answers 304 to If-None-Match with the cTag, on /content and on the download URL', async () => {
    const url = await contentUrl(file.id!);
    assert.equal((await c.raw(url, { headers: { 'if-none-match': file.cTag! } })).status, 304);
    const res = await c.raw(`${c.em.info.baseUrl}/v1.0/drives/${d}/items/${file.id}/content`, {
      headers: { authorization: `Bearer ${await c.token()}`, 'if-none-match': file.cTag! },
    });
    assert.equal(res.status, 304);
  });

  it('refuses a download URL with a bearer token, a forged one, and one that expired', async () => {
    const url = await contentUrl(file.id!);
    assert.equal((await c.raw(url, { headers: { authorization: `Bearer ${await c.token()}` } })).status, 401);
    assert.equal((await c.raw(`${url.slice(0, -3)}abc`)).status, 401);
    await new Promise((r) => setTimeout(r, 1600));
    assert.equal((await c.raw(url)).status, 401);
  });

  it('serves generated files as derived bytes whose hash matches, and ranges of the 1 GiB file', async () => {
    const media = (await c.graph.api(`/drives/${d}/root:/Media:/children`).get()) as {
      value: MG.DriveItem[];
    };
    const huge = media.value[0]!;
    assert.equal(huge.size, 2 ** 30);
    const url = await contentUrl(huge.id!);
    const tail = await c.raw(url, { headers: { range: `bytes=${2 ** 30 - 4096}-` } });
    assert.equal(tail.status, 206);
    assert.equal(tail.body.length, 4096);
    const ref = await c.raw(
      `${c.em.info.controlUrl}/drives/${d}/items/${huge.id}/bytes?start=${2 ** 30 - 4096}`,
    );
    assert.deepEqual(tail.body, ref.body);
    // Smaller generated files: whole download hashes to the advertised quickXorHash.
    const delta = (await c.graph.api(`/drives/${d}/root/children`).get()) as { value: MG.DriveItem[] };
    const files = delta.value.filter((v) => v.file && v.size! < 5_000_000).slice(0, 3);
    assert.ok(files.length > 0);
    for (const f of files) {
      const body = (await c.raw(await contentUrl(f.id!))).body;
      assert.equal(body.length, f.size);
      assert.equal(quickXorHash(body), f.file!.hashes!.quickXorHash);
    }
  });

  it('a new version serves different bytes at the same offsets', async () => {
    const before = await c.raw(await contentUrl(file.id!), { headers: { range: 'bytes=0-99' } });
    const changed = Buffer.from(bytes);
    changed[50] ^= 0xff;
    await c.control('POST', `/drives/${d}/ops`, {
      op: 'write',
      item: file.id,
      base64: changed.toString('base64'),
    });
    const res = await c.raw(await contentUrl(file.id!), { headers: { range: 'bytes=0-99' } });
    assert.notDeepEqual(res.body, before.body);
    assert.notEqual(res.headers.etag, before.headers.etag);
    assert.equal(res.body[50], changed[50]);
  });

  it('ignores Range when the fault plan says so, answering 200 with the whole body', async () => {
    await c.control('PATCH', '/faults', { pIgnoreRange: 1 });
    const res = await c.raw(await contentUrl(file.id!), { headers: { range: 'bytes=0-9' } });
    await c.control('PATCH', '/faults', { pIgnoreRange: 0 });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, bytes.length);
  });
});

describe('emulator: uploads', () => {
  let c: EmulatorClient;
  let d: string;
  before(async () => {
    c = await emulatorClient({ items: 50, seed: 5, behaviour: { uploadSessionTtlMs: 1500 } });
    d = c.em.info.drives[0]!.id;
  });
  after(() => c.close());

  const put = async (url: string, body: Buffer, headers: Record<string, string> = {}) =>
    c.raw(url, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream', ...headers } });

  it('simple PUT creates (201), replaces (200), honours conflictBehavior=fail (409) and the 4 MiB limit (413)', async () => {
    const auth = { authorization: `Bearer ${await c.token()}` };
    const base = `${c.em.info.baseUrl}/v1.0/drives/${d}/root:/Uploads%20Here/new.txt:/content`;
    await c.graph.api(`/drives/${d}/root/children`).post({ name: 'Uploads Here', folder: {} });
    const r1 = await put(base, Buffer.from('first'), auth);
    assert.equal(r1.status, 201);
    const item = JSON.parse(r1.body.toString()) as MG.DriveItem;
    assert.equal(item.size, 5);
    assert.equal(item.file!.hashes!.quickXorHash, quickXorHash(Buffer.from('first')));
    const r2 = await put(base, Buffer.from('second!'), auth);
    assert.equal(r2.status, 200);
    assert.equal((JSON.parse(r2.body.toString()) as MG.DriveItem).id, item.id);
    const r3 = await put(`${base}?@microsoft.graph.conflictBehavior=fail`, Buffer.from('x'), auth);
    assert.equal(r3.status, 409);
    const r4 = await put(base, Buffer.alloc(4 * 1024 * 1024 + 1), auth);
    assert.equal(r4.status, 413);
    const byId = await put(
      `${c.em.info.baseUrl}/v1.0/drives/${d}/items/${item.id}/content`,
      Buffer.from('third'),
      {
        ...auth,
        'if-match': '"{stale},1"',
      },
    );
    assert.equal(byId.status, 412);
  });

  const createSession = async (path: string, body: unknown = {}, headers: Record<string, string> = {}) => {
    const res = await c.raw(`${c.em.info.baseUrl}/v1.0/drives/${d}/root:/${path}:/createUploadSession`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { authorization: `Bearer ${await c.token()}`, 'content-type': 'application/json', ...headers },
    });
    return { status: res.status, json: JSON.parse(res.body.toString() || '{}') as Record<string, unknown> };
  };
  const fragment = (
    url: string,
    data: Buffer,
    start: number,
    total: number,
    headers: Record<string, string> = {},
  ) =>
    put(url, data, {
      'content-range': `bytes ${start}-${start + data.length - 1}/${total}`,
      ...headers,
    });

  it('upload sessions: in-order 320 KiB fragments, status, 416 on overlap, final 201 with the right hash', async () => {
    const data = createHash('sha512').update('seed').digest();
    const content = Buffer.concat(
      Array.from({ length: Math.ceil((900 * KiB) / data.length) }, () => data),
    ).subarray(0, 900 * KiB);
    const s = await createSession('big.bin', { item: { '@microsoft.graph.conflictBehavior': 'fail' } });
    assert.equal(s.status, 200);
    const url = s.json.uploadUrl as string;
    assert.deepEqual(s.json.nextExpectedRanges, ['0-']);
    const f1 = content.subarray(0, 320 * KiB);
    const r1 = await fragment(url, f1, 0, content.length);
    assert.equal(r1.status, 202);
    assert.deepEqual(
      (JSON.parse(r1.body.toString()) as { nextExpectedRanges: string[] }).nextExpectedRanges,
      [`${320 * KiB}-${content.length - 1}`],
    );
    assert.equal((await fragment(url, f1, 0, content.length)).status, 416, 'overlap');
    const odd = content.subarray(320 * KiB, 320 * KiB + 1000);
    assert.equal((await fragment(url, odd, 320 * KiB, content.length)).status, 400, 'not a 320 KiB multiple');
    assert.equal(
      (
        await put(url, odd, {
          authorization: 'Bearer x',
          'content-range': `bytes ${320 * KiB}-${320 * KiB + 999}/${content.length}`,
        })
      ).status,
      401,
    );
    const status = JSON.parse((await c.raw(url)).body.toString()) as { nextExpectedRanges: string[] };
    assert.deepEqual(status.nextExpectedRanges, [`${320 * KiB}-${content.length - 1}`]);
    const rest = content.subarray(320 * KiB);
    const done = await fragment(url, rest, 320 * KiB, content.length);
    assert.equal(done.status, 201);
    const item = JSON.parse(done.body.toString()) as MG.DriveItem;
    assert.equal(item.size, content.length);
    assert.equal(item.file!.hashes!.quickXorHash, quickXorHash(content));
    assert.equal((await c.raw(url)).status, 404, 'a committed session is gone');
  });

  it('upload sessions: 409 at commit on a name clash, DELETE cancels, expiry gives 404, If-Match 412', async () => {
    const a = await createSession('clash.txt', { item: { '@microsoft.graph.conflictBehavior': 'fail' } });
    await c.control('POST', `/drives/${d}/ops`, {
      op: 'createFile',
      parent: '/',
      name: 'CLASH.txt',
      text: 'other user',
    });
    const r = await fragment(a.json.uploadUrl as string, Buffer.from('mine'), 0, 4);
    assert.equal(r.status, 409);
    assert.equal(
      (JSON.parse(r.body.toString()) as { error: { code: string } }).error.code,
      'nameAlreadyExists',
    );

    const b = await createSession('cancel.txt');
    assert.equal((await c.raw(b.json.uploadUrl as string, { method: 'DELETE' })).status, 204);
    assert.equal((await c.raw(b.json.uploadUrl as string)).status, 404);

    const e = await createSession('expire.txt');
    await new Promise((res) => setTimeout(res, 1600));
    assert.equal((await fragment(e.json.uploadUrl as string, Buffer.from('late'), 0, 4)).status, 404);

    const existing = (await c.graph.api(`/drives/${d}/root:/CLASH.txt:`).get()) as MG.DriveItem;
    const stale = await createSession('CLASH.txt', {}, { 'if-match': '"{old},1"' });
    assert.equal(stale.status, 412);
    const fresh = await createSession('CLASH.txt', {}, { 'if-match': existing.eTag! });
    assert.equal(fresh.status, 200);
    const replaced = await fragment(fresh.json.uploadUrl as string, Buffer.from('replaced'), 0, 8);
    assert.equal(replaced.status, 200);
    assert.equal((JSON.parse(replaced.body.toString()) as MG.DriveItem).id, existing.id);
    const err = await graphErrorOf(
      c.graph.api(`/drives/${d}/root:/nowhere/x.txt:/createUploadSession`).post({}),
    );
    assert.equal(err.statusCode, 404);
  });
});
