import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as MG from '@microsoft/microsoft-graph-types';
import { type EmulatorClient, emulatorClient, graphErrorOf } from '../helpers/emulator.js';

describe('emulator: discovery and item metadata through the Graph client', () => {
  let c: EmulatorClient;
  let d: string;
  before(async () => {
    c = await emulatorClient({ items: 400, seed: 7 });
    d = c.em.info.drives[0]!.id;
  });
  after(() => c.close());

  it('finds sites, their drives, a drive and /me/drive', async () => {
    const sites = (await c.graph.api('/sites').query({ search: 'finance' }).get()) as { value: MG.Site[] };
    assert.deepEqual(
      sites.value.map((s) => s.name),
      ['Finance'],
    );
    const siteId = sites.value[0]!.id!;
    assert.match(siteId, /^contoso\.sharepoint\.com,[0-9a-f-]{36},[0-9a-f-]{36}$/);
    const drives = (await c.graph.api(`/sites/${siteId}/drives`).get()) as { value: MG.Drive[] };
    assert.deepEqual(drives.value.map((x) => x.name).sort(), ['Documents', 'Invoices']);
    const drive = (await c.graph.api(`/drives/${drives.value[0]!.id}`).get()) as MG.Drive;
    assert.equal(drive.driveType, 'documentLibrary');
    assert.ok(drive.quota!.used! > 0 && drive.quota!.remaining! < drive.quota!.total!);
    assert.match(drive.id!, /^b!/);
    const me = (await c.graph.api('/me/drive').get()) as MG.Drive;
    assert.equal(me.driveType, 'business');
    const all = (await c.graph.api('/sites').query({ search: '*' }).get()) as { value: MG.Site[] };
    assert.equal(all.value.length, 3);
    assert.equal((await graphErrorOf(c.graph.api('/sites/nope').get())).statusCode, 404);
    assert.equal((await graphErrorOf(c.graph.api('/drives/b!nope').get())).statusCode, 404);
  });

  it('gets items by id and by path, case-insensitively, with $select', async () => {
    const root = (await c.graph.api(`/drives/${d}/root`).get()) as MG.DriveItem;
    assert.ok(root.root && root.folder);
    const kids = (await c.graph.api(`/drives/${d}/root/children`).get()) as { value: MG.DriveItem[] };
    const folder = kids.value.find((k) => k.folder && k.name !== 'Media')!;
    const byPath = (await c.graph
      .api(`/drives/${d}/root:/${encodeURIComponent(folder.name!.toUpperCase())}:`)
      .get()) as MG.DriveItem;
    assert.equal(byPath.id, folder.id);
    assert.equal(byPath.parentReference?.path, `/drives/${d}/root:`);
    const byId = (await c.graph.api(`/drives/${d}/items/${folder.id}`).get()) as MG.DriveItem;
    assert.deepEqual(byId, byPath);
    const selected = (await c.graph
      .api(`/drives/${d}/items/${folder.id}`)
      .select('name,size')
      .get()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(selected).sort(), ['id', 'name', 'size']);
    const err = await graphErrorOf(c.graph.api(`/drives/${d}/root:/no/such/thing:`).get());
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'itemNotFound');
  });

  it('takes a % in a name literally: path segments are percent-decoded once', async () => {
    const auth = { authorization: `Bearer ${await c.token()}` };
    for (const name of ['50%off.txt', 'a%41.txt']) {
      const path = `/drives/${d}/root:/${encodeURIComponent(name)}:`;
      const put = await c.raw(`${c.em.info.baseUrl}/v1.0${path}/content`, {
        method: 'PUT',
        headers: auth,
        body: 'x',
      });
      assert.equal(put.status, 201, put.body.toString());
      assert.equal((JSON.parse(put.body.toString()) as MG.DriveItem).name, name);
      assert.equal(((await c.graph.api(path).get()) as MG.DriveItem).name, name);
    }
  });

  it('pages children with $top and a nextLink, each child once', async () => {
    const folder = (await c.graph
      .api(`/drives/${d}/root/children`)
      .post({ name: 'Paging', folder: {} })) as MG.DriveItem;
    for (let i = 0; i < 23; i++) {
      await c.control('POST', `/drives/${d}/ops`, {
        op: 'createFile',
        parent: folder.id,
        name: `f${i}.txt`,
        text: `${i}`,
      });
    }
    const seen: string[] = [];
    let url: string | undefined = `/drives/${d}/items/${folder.id}/children?$top=5`;
    let pages = 0;
    while (url) {
      const page = (await c.graph.api(url).get()) as { value: MG.DriveItem[]; '@odata.nextLink'?: string };
      assert.ok(page.value.length <= 5);
      seen.push(...page.value.map((v) => v.name!));
      url = page['@odata.nextLink'];
      pages++;
    }
    assert.equal(pages, 5);
    assert.deepEqual([...seen].sort(), Array.from({ length: 23 }, (_, i) => `f${i}.txt`).sort());
    assert.equal(
      (await graphErrorOf(c.graph.api(`/drives/${d}/root/children?$top=0`).get())).statusCode,
      400,
    );
  });

  it('creates folders honouring conflictBehavior, case-insensitive names and forbidden characters', async () => {
    const create = (name: string, behavior?: string) =>
      c.graph.api(`/drives/${d}/root/children`).post({
        name,
        folder: {},
        ...(behavior ? { '@microsoft.graph.conflictBehavior': behavior } : {}),
      }) as Promise<MG.DriveItem>;
    const a = await create('Quarterly');
    const clash = await graphErrorOf(create('QUARTERLY'));
    assert.equal(clash.statusCode, 409);
    assert.equal(clash.code, 'nameAlreadyExists');
    const renamed = await create('quarterly', 'rename');
    assert.equal(renamed.name, 'quarterly 1');
    const replaced = await create('Quarterly', 'replace');
    assert.equal(replaced.id, a.id);
    for (const bad of ['a:b', 'x*', 'q?', 'trailing.', ' lead', 'pipe|', 'CON', '']) {
      const err = await graphErrorOf(create(bad));
      assert.equal(err.statusCode, 400, `name ${JSON.stringify(bad)}`);
      assert.equal(err.code, 'invalidRequest');
    }
    assert.equal(
      (await graphErrorOf(c.graph.api(`/drives/${d}/root/children`).post({ name: 'x' }))).statusCode,
      400,
    );
  });

  it('renames and moves with PATCH, honouring If-Match; eTag changes, cTag does not', async () => {
    const src = (await c.graph
      .api(`/drives/${d}/root/children`)
      .post({ name: 'Src', folder: {} })) as MG.DriveItem;
    const dst = (await c.graph
      .api(`/drives/${d}/root/children`)
      .post({ name: 'Dst', folder: {} })) as MG.DriveItem;
    await c.control('POST', `/drives/${d}/ops`, {
      op: 'createFile',
      parent: src.id,
      name: 'doc.txt',
      text: 'hello',
    });
    const file = (await c.graph.api(`/drives/${d}/root:/Src/doc.txt:`).get()) as MG.DriveItem;
    const stale = await graphErrorOf(
      c.graph.api(`/drives/${d}/items/${file.id}`).header('If-Match', '"{nope},1"').patch({ name: 'x.txt' }),
    );
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.code, 'resourceModified');
    const moved = (await c.graph
      .api(`/drives/${d}/items/${file.id}`)
      .header('If-Match', file.eTag!)
      .patch({ name: 'Doc Renamed.txt', parentReference: { id: dst.id } })) as MG.DriveItem;
    assert.equal(moved.id, file.id);
    assert.equal(moved.parentReference?.id, dst.id);
    assert.notEqual(moved.eTag, file.eTag);
    assert.equal(moved.cTag, file.cTag);
    const again = (await c.graph.api(`/drives/${d}/root:/dst/doc renamed.TXT:`).get()) as MG.DriveItem;
    assert.equal(again.id, file.id);
    // Moving a folder into its own subtree is refused.
    const child = (await c.graph
      .api(`/drives/${d}/items/${src.id}/children`)
      .post({ name: 'Inner', folder: {} })) as MG.DriveItem;
    const loop = await graphErrorOf(
      c.graph.api(`/drives/${d}/items/${src.id}`).patch({ parentReference: { id: child.id } }),
    );
    assert.equal(loop.statusCode, 400);
    // A name taken in the target folder: 409.
    await c.graph.api(`/drives/${d}/items/${dst.id}/children`).post({ name: 'Inner', folder: {} });
    const taken = await graphErrorOf(
      c.graph.api(`/drives/${d}/items/${child.id}`).patch({ parentReference: { id: dst.id } }),
    );
    assert.equal(taken.statusCode, 409);
    // A content change moves both tags.
    const written = (await c.control('POST', `/drives/${d}/ops`, {
      op: 'write',
      item: file.id,
      text: 'changed',
    })) as { eTag: string; cTag: string };
    assert.notEqual(written.cTag, moved.cTag);
    assert.notEqual(written.eTag, moved.eTag);
  });

  it('deletes with If-Match, recursively; gone items answer 404', async () => {
    const f = (await c.graph
      .api(`/drives/${d}/root/children`)
      .post({ name: 'Doomed', folder: {} })) as MG.DriveItem;
    const inner = (await c.graph
      .api(`/drives/${d}/items/${f.id}/children`)
      .post({ name: 'Deep', folder: {} })) as MG.DriveItem;
    assert.equal(
      (await graphErrorOf(c.graph.api(`/drives/${d}/items/${f.id}`).header('If-Match', '"{x},9"').delete()))
        .statusCode,
      412,
    );
    const current = (await c.graph.api(`/drives/${d}/items/${f.id}`).get()) as MG.DriveItem;
    await c.graph.api(`/drives/${d}/items/${f.id}`).header('If-Match', current.eTag!).delete();
    assert.equal((await graphErrorOf(c.graph.api(`/drives/${d}/items/${f.id}`).get())).statusCode, 404);
    assert.equal((await graphErrorOf(c.graph.api(`/drives/${d}/items/${inner.id}`).get())).statusCode, 404);
    assert.equal((await graphErrorOf(c.graph.api(`/drives/${d}/items/${f.id}`).delete())).statusCode, 404);
    assert.equal((await graphErrorOf(c.graph.api(`/drives/${d}/root`).delete())).statusCode, 403);
  });

  it('answers 304 to If-None-Match with the current eTag', async () => {
    const root = (await c.graph.api(`/drives/${d}/root`).get()) as MG.DriveItem;
    const res = await c.raw(`${c.em.info.baseUrl}/v1.0/drives/${d}/root`, {
      headers: { authorization: `Bearer ${await c.token()}`, 'if-none-match': root.eTag! },
    });
    assert.equal(res.status, 304);
  });

  it('rejects requests without a valid token in Graph error shape', async () => {
    const res = await c.raw(`${c.em.info.baseUrl}/v1.0/drives/${d}/root`);
    assert.equal(res.status, 401);
    const body = JSON.parse(res.body.toString()) as {
      error: { code: string; innerError: { 'request-id': string } };
    };
    assert.equal(body.error.code, 'InvalidAuthenticationToken');
    assert.ok(body.error.innerError['request-id']);
  });
});
