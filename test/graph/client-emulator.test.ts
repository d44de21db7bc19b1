import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { truthOf } from '../../src/emulator/routes/control.js';
import { type GraphClient, GraphRequestError, hasCode, USER_AGENT } from '../../src/graph/index.js';
import { type Harness, harness, recordingDispatcher } from './fixture.js';

describe('GraphClient helpers against the emulator', () => {
  let h: Harness;
  let client: GraphClient;
  let wire: ReturnType<typeof recordingDispatcher>;
  let control: Agent;
  let driveId: string;

  const truth = () => truthOf(h.emu.tenant.drive(driveId)!);
  const remote = async (op: object) => {
    const res = await request(`${h.emu.info.controlUrl}/drives/${encodeURIComponent(driveId)}/ops`, {
      dispatcher: control,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(op),
    });
    assert.equal(res.statusCode, 200);
    return (await res.body.json()) as { id: string };
  };

  before(async () => {
    h = await harness({ items: 400 });
    wire = recordingDispatcher(h.emu.info.caPem);
    client = h.client({ dispatcher: wire.dispatcher });
    control = new Agent({ connect: { ca: h.emu.info.caPem } });
    driveId = h.emu.info.drives[0]!.id;
  });
  after(async () => {
    await h.close();
    await wire.close();
    await control.close();
  });

  it('discovers sites and drives', async () => {
    const d = h.emu.info.drives[0]!;
    const sites = await client.listSites('*');
    assert.ok(sites.some((s) => s.id === d.siteId));
    const drives = await client.listDrives(d.siteId);
    assert.ok(drives.some((x) => x.id === d.id));
    const drive = await client.getDrive(d.id);
    assert.equal(drive.id, d.id);
    assert.equal(drive.driveType, 'documentLibrary');
  });

  it('enumerates a drive through delta, sending links exactly as received, then follows changes', async () => {
    const ids = new Set<string>();
    let page = await client.deltaPage({
      driveId,
      select: ['name', 'parentReference', 'file', 'folder'],
      top: 97,
    });
    assert.match(
      wire.events.at(-1)!.path,
      /\$select=id%2Cdeleted%2Cname/,
      'id and deleted are always selected',
    );
    let pages = 1;
    while (page.nextLink) {
      for (const item of page.value) ids.add(item.id!);
      const link = page.nextLink;
      page = await client.deltaPage(link);
      const sent = wire.events.at(-1)!;
      assert.equal(`${h.emu.info.baseUrl}${sent.path}`, link, 'the nextLink went out untouched');
      pages += 1;
    }
    for (const item of page.value) ids.add(item.id!);
    assert.ok(pages > 2, `${pages} pages`);
    assert.ok(page.deltaLink);
    const live = truth();
    assert.deepEqual([...ids].sort(), live.map((t) => t.id).sort());

    const created = await remote({ op: 'createFile', parent: '/', name: 'delta-probe.txt', text: 'hello' });
    const changes = await client.deltaPage(page.deltaLink!);
    assert.ok(changes.value.some((i) => i.id === created.id && i.name === 'delta-probe.txt'));
  });

  it('a token Graph can no longer serve is a 410 resyncRequired whose Location restarts enumeration', async () => {
    let page = await client.deltaPage({ driveId, token: 'latest' });
    assert.ok(page.deltaLink);
    h.emu.faults.setFaults({ forceResync: 1 });
    const err = await client.deltaPage(page.deltaLink!).then(
      () => assert.fail('expected 410'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof GraphRequestError);
    assert.equal(err.status, 410);
    assert.ok(hasCode(err, 'resyncRequired'));
    assert.ok(err.location?.startsWith(`${h.emu.info.baseUrl}/v1.0/`), err.location);
    assert.ok(err.requestId);
    page = await client.deltaPage(err.location!);
    assert.ok(page.value.length > 0);
  });

  it('lists children over several pages, gets items by id and by path', async () => {
    const live = truth();
    const root = live.find((t) => t.parentId === null)!;
    const expected = live.filter((t) => t.parentId === root.id);
    const before = wire.events.length;
    const children = await client.listChildren(driveId, 'root', { top: 5, select: ['id', 'name'] });
    assert.ok(wire.events.length - before > 1, 'more than one page');
    assert.deepEqual(children.map((c) => c.id).sort(), expected.map((e) => e.id).sort());
    const one = expected[0]!;
    assert.equal((await client.getItem(driveId, one.id)).name, one.name);
    assert.equal((await client.getItemByPath(driveId, 'root', one.name)).id, one.id);
  });

  it('creates folders; a taken name is 409 nameAlreadyExists', async () => {
    const folder = await client.createFolder(driveId, 'root', 'Reports 2026 #1');
    assert.ok(folder.folder);
    const err = await client.createFolder(driveId, 'root', 'reports 2026 #1').catch((e: unknown) => e);
    assert.ok(err instanceof GraphRequestError);
    assert.equal(err.status, 409);
    assert.ok(hasCode(err, 'nameAlreadyExists'));
    const renamed = await client.createFolder(driveId, 'root', 'Reports 2026 #1', {
      conflictBehavior: 'rename',
    });
    assert.notEqual(renamed.name, 'Reports 2026 #1');
  });

  it('follows a download redirect without sending the bearer token to the pre-authenticated URL', async () => {
    const file = truth().find((t) => !t.folder)!;
    const redirect = await client.requestRaw(
      'GET',
      `/drives/${encodeURIComponent(driveId)}/items/${file.id}/content`,
    );
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location')!;
    const res = await client.requestRaw('GET', location, { headers: { Range: 'bytes=0-9' } });
    assert.equal(res.status, 206);
    assert.equal((await res.arrayBuffer()).byteLength, 10);
    const graphCall = wire.events.findLast((e) => e.path.endsWith('/content'))!;
    const download = wire.events.at(-1)!;
    assert.ok(graphCall.headers.authorization?.startsWith('Bearer '));
    assert.equal(download.headers.authorization, undefined);
  });

  it('tags every request with the ISV User-Agent and a client-request-id', () => {
    assert.ok(wire.events.length > 0);
    for (const e of wire.events) {
      assert.equal(e.headers['user-agent'], USER_AGENT);
      assert.match(e.headers['client-request-id'] ?? '', /^[0-9a-f-]{36}$/);
    }
    assert.match(USER_AGENT, /^ISV\|deltafs\|deltafs\/\d+\.\d+\.\d+/);
  });

  describe('subscriptions', () => {
    let receiver: Server;
    let url: string;
    before(async () => {
      receiver = createServer((req, res) => {
        const token = new URL(req.url ?? '/', 'http://x').searchParams.get('validationToken');
        if (token !== null) {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
          return;
        }
        req.resume();
        res.writeHead(202).end();
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    });
    after(() => new Promise<void>((r) => receiver.close(() => r())));

    it('creates, renews and deletes; deleting twice is fine', async () => {
      const expires = new Date(Date.now() + 3_600_000);
      const sub = await client.createSubscription({
        resource: `/drives/${driveId}/root`,
        notificationUrl: url,
        expirationDateTime: expires,
        clientState: 'c1',
      });
      assert.ok(sub.id);
      const later = new Date(Date.now() + 7_200_000);
      const renewed = await client.renewSubscription(sub.id!, later);
      assert.ok(Math.abs(Date.parse(renewed.expirationDateTime!) - later.getTime()) < 1000);
      await client.deleteSubscription(sub.id!);
      await client.deleteSubscription(sub.id!);
      const gone = await client.renewSubscription(sub.id!, later).catch((e: unknown) => e);
      assert.ok(gone instanceof GraphRequestError && gone.status === 404);
    });
  });
});
