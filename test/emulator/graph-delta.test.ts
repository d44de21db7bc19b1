import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TruthItem } from '../../src/emulator/routes/control.js';
import { type EmulatorClient, emulatorClient, graphErrorOf } from '../helpers/emulator.js';

/** A driveItem as the delta feed gives it (any property may be missing: `$select`, deleted items). */
interface DeltaItem {
  id: string;
  name?: string;
  size?: number;
  cTag?: string;
  parentReference?: { id?: string; driveId?: string; path?: string };
  folder?: { childCount?: number };
  file?: { hashes?: { quickXorHash?: string } };
  deleted?: { state?: string };
  root?: object;
  [key: string]: unknown;
}

interface DeltaResponse {
  value: DeltaItem[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

/** What a client keeps of an item; the control API's truth maps onto the same shape. */
interface Node {
  name: string;
  parentId: string | null;
  folder: boolean;
  size: number;
  hash: string | null;
}
type Tree = Map<string, Node>;

const nodeOf = (item: DeltaItem): Node => ({
  name: item.name!,
  parentId: item.parentReference?.id ?? null,
  folder: item.folder !== undefined,
  size: item.size!,
  hash: item.file?.hashes?.quickXorHash ?? null,
});

/** The reference client: the last occurrence of an id wins, a deleted item goes away. */
function apply(tree: Tree, items: DeltaItem[]): Tree {
  const out = new Map(tree);
  for (const item of items) {
    if (item.deleted) out.delete(item.id);
    else out.set(item.id, nodeOf(item));
  }
  return out;
}

function assertSameTree(actual: Tree, expected: Tree, what = 'tree'): void {
  const diffs: string[] = [];
  for (const [id, want] of expected) {
    const got = actual.get(id);
    if (!got) diffs.push(`missing ${id} ${JSON.stringify(want)}`);
    else if (JSON.stringify(got) !== JSON.stringify(want))
      diffs.push(`differs ${id}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
  }
  for (const [id, got] of actual) if (!expected.has(id)) diffs.push(`extra ${id} ${JSON.stringify(got)}`);
  assert.equal(
    diffs.length,
    0,
    `${what}: ${diffs.length} differences, e.g.\n${diffs.slice(0, 8).join('\n')}`,
  );
}

const items = (pages: DeltaResponse[]): DeltaItem[] => pages.flatMap((p) => p.value);
const deltaLinkOf = (pages: DeltaResponse[]): string => pages.at(-1)!['@odata.deltaLink']!;
const countOf = (list: DeltaItem[], id: string) => list.filter((i) => i.id === id).length;

function checkLinks(page: DeltaResponse): void {
  const next = page['@odata.nextLink'];
  const delta = page['@odata.deltaLink'];
  assert.ok((next === undefined) !== (delta === undefined), 'exactly one of nextLink / deltaLink');
  assert.ok(Array.isArray(page.value));
}

/** Helpers bound to one running emulator. */
function feed(c: EmulatorClient) {
  const get = (url: string, prefer?: string): Promise<DeltaResponse> => {
    const req = c.graph.api(url);
    if (prefer) req.header('Prefer', prefer);
    return req.get() as Promise<DeltaResponse>;
  };
  /** Follows nextLinks to the deltaLink; `between(n)` runs after page n (storms, for instance). */
  const round = async (
    url: string,
    opts: { prefer?: string; between?: (n: number) => Promise<void> } = {},
  ): Promise<DeltaResponse[]> => {
    const pages: DeltaResponse[] = [];
    let next: string | undefined = url;
    while (next !== undefined) {
      assert.ok(pages.length < 20_000, 'the feed never ends');
      const page = await get(next, opts.prefer);
      checkLinks(page);
      pages.push(page);
      next = page['@odata.nextLink'];
      if (next && opts.between) await opts.between(pages.length);
    }
    return pages;
  };
  const truthList = async (driveId: string) =>
    (await c.control<{ value: TruthItem[] }>('GET', `/drives/${driveId}/truth`)).value;
  const truth = async (driveId: string): Promise<Tree> =>
    new Map(
      (await truthList(driveId)).map((t) => [
        t.id,
        { name: t.name, parentId: t.parentId, folder: t.folder, size: t.size, hash: t.quickXorHash },
      ]),
    );
  const op = (driveId: string, body: Record<string, unknown>) =>
    c.control<{ id: string; name: string; parentId: string; path: string }>(
      'POST',
      `/drives/${driveId}/ops`,
      body,
    );
  return { get, round, truth, truthList, op };
}

function childrenOf(tree: Tree): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, n] of tree) {
    if (n.parentId === null) continue;
    const list = out.get(n.parentId) ?? [];
    list.push(id);
    out.set(n.parentId, list);
  }
  return out;
}

function subtreeOf(kids: Map<string, string[]>, id: string): Set<string> {
  const out = new Set<string>([id]);
  const stack = [id];
  while (stack.length) {
    for (const k of kids.get(stack.pop()!) ?? []) {
      out.add(k);
      stack.push(k);
    }
  }
  return out;
}

async function resyncError(p: Promise<unknown>): Promise<string> {
  const err = await graphErrorOf(p);
  assert.equal(err.statusCode, 410);
  assert.equal(err.code, 'resyncRequired');
  const body = JSON.parse(String(err.body)) as { innerError?: { code?: string } };
  assert.equal(body.innerError?.code, 'resyncApplyDifferences');
  const location = err.headers?.get('location');
  assert.ok(location, 'a 410 carries a Location to restart from');
  return location;
}

describe('delta feed through the Graph client', () => {
  let c: EmulatorClient;
  let f: ReturnType<typeof feed>;
  /** Company/Documents (3,000), Finance/Documents (2,000), Finance/Invoices (1,000), Projects (500), OneDrive (300). */
  let docs: string;
  let finance: string;
  let invoices: string;
  let projects: string;
  let oneDrive: string;
  let companySite: string;

  before(async () => {
    c = await emulatorClient({ items: 3000, seed: 11 });
    f = feed(c);
    const drive = (site: string, name: string) =>
      c.em.info.drives.find((d) => d.siteName === site && d.name === name)!;
    docs = drive('Company', 'Documents').id;
    companySite = drive('Company', 'Documents').siteId;
    finance = drive('Finance', 'Documents').id;
    invoices = drive('Finance', 'Invoices').id;
    projects = drive('Projects', 'Shared Documents').id;
    oneDrive = c.em.info.drives.find((d) => d.name === 'OneDrive')!.id;
  });
  after(() => c.close());

  it('a full enumeration equals the truth item for item, in delta shape', async () => {
    const pages = await f.round(`/drives/${docs}/root/delta`);
    assert.ok(pages.length > 5, `${pages.length} pages`);
    for (const p of pages.slice(0, -1)) assert.ok(p['@odata.nextLink']?.startsWith(c.em.info.baseUrl));
    assert.match(deltaLinkOf(pages), /\/root\/delta\?token=/);
    const all = items(pages);
    const truth = await f.truth(docs);
    assert.equal(truth.size, 3001);
    assertSameTree(apply(new Map(), all), truth);
    const root = all.find((i) => i.root)!;
    assert.equal(root.name, 'root');
    assert.equal(root.parentReference?.id, undefined);
    for (const item of all) {
      assert.equal(item.deleted, undefined, 'nothing deleted in a fresh enumeration');
      assert.equal(item.parentReference?.path, undefined, 'no path in delta');
      assert.equal(item.cTag, undefined, 'no cTag in delta');
      assert.equal(item.parentReference?.driveId, docs);
    }
    // GET item has the path delta leaves out.
    const file = all.find((i) => i.file && i.parentReference?.id !== root.id)!;
    const got = (await c.graph.api(`/drives/${docs}/items/${file.id}`).get()) as DeltaItem;
    assert.ok(got.parentReference?.path?.startsWith(`/drives/${docs}/root:/`), got.parentReference?.path);
    assert.ok(got.cTag);
  });

  it('pages carry no order: a child comes before its parent within some page', async () => {
    const pages = await f.round(`/drives/${docs}/root/delta`);
    let found = 0;
    for (const page of pages) {
      const at = new Map(page.value.map((item, i) => [item.id, i]));
      for (const [i, item] of page.value.entries()) {
        const p = at.get(item.parentReference?.id ?? '');
        if (p !== undefined && p > i) found++;
      }
    }
    assert.ok(found > 0, 'no page has a child before its parent');
  });

  it('token=latest gives 200, an empty value and only a deltaLink', async () => {
    const page = await f.get(`/drives/${docs}/root/delta?token=latest`);
    assert.deepEqual(page.value, []);
    assert.equal(page['@odata.nextLink'], undefined);
    assert.ok(page['@odata.deltaLink']);
    const quiet = await f.round(page['@odata.deltaLink']!);
    assert.deepEqual(items(quiet), [], 'no changes, no items');
  });

  it('delta works on /items/{rootId}, /me/drive and /sites/{id}/drive; a folder answers 400 notSupported', async () => {
    const drives = await c.control<{ value: Array<{ id: string; rootId: string }> }>('GET', '/drives');
    const rootId = drives.value.find((d) => d.id === docs)!.rootId;
    assertSameTree(
      apply(new Map(), items(await f.round(`/drives/${docs}/items/${rootId}/delta`))),
      await f.truth(docs),
    );
    assertSameTree(
      apply(new Map(), items(await f.round('/me/drive/root/delta'))),
      await f.truth(oneDrive),
      '/me/drive',
    );
    const viaSite = await f.round(`/sites/${companySite}/drive/root/delta`);
    assert.ok(viaSite[0]!['@odata.nextLink']!.includes(`/drives/${docs}/root/delta`));
    assertSameTree(apply(new Map(), items(viaSite)), await f.truth(docs), '/sites/{id}/drive');

    const folder = [...(await f.truth(docs))].find(([, n]) => n.folder && n.parentId !== null)![0];
    const err = await graphErrorOf(f.get(`/drives/${docs}/items/${folder}/delta`));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'notSupported');
    const noDrive = await graphErrorOf(f.get('/drives/b!nope/root/delta'));
    assert.equal(noDrive.statusCode, 404);
  });

  it('a garbage token, a token of another drive or a bad timestamp answers 400', async () => {
    const otherLink = (await f.get(`/drives/${finance}/root/delta?token=latest`))['@odata.deltaLink']!;
    const otherToken = new URL(otherLink).searchParams.get('token')!;
    const forged = Buffer.from(JSON.stringify({ driveId: docs, cursor: 1 })).toString('base64url');
    for (const token of ['garbage', 'e30', forged, otherToken, '2021-13-45T99:00:00Z']) {
      const err = await graphErrorOf(f.get(`/drives/${docs}/root/delta?token=${encodeURIComponent(token)}`));
      assert.equal(err.statusCode, 400, `token ${token}`);
      assert.equal(err.code, 'invalidRequest');
    }
    // A token of an earlier emulator run (its instance differs) is stale, not garbage: 410.
    const mine = new URL((await f.get(`/drives/${docs}/root/delta?token=latest`))['@odata.deltaLink']!);
    const cursor = JSON.parse(Buffer.from(mine.searchParams.get('token')!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const earlier = Buffer.from(JSON.stringify({ ...cursor, instance: 'an earlier run', epoch: undefined }));
    mine.searchParams.set('token', earlier.toString('base64url'));
    await resyncError(f.get(mine.toString()));
    for (const top of ['0', '-3', 'ten']) {
      const err = await graphErrorOf(f.get(`/drives/${docs}/root/delta?$top=${top}`));
      assert.equal(err.statusCode, 400, `$top=${top}`);
    }
  });

  it('a timestamp token gives the changes after that time', async () => {
    const early = await f.op(docs, { op: 'createFile', parent: '/', name: 'before stamp.txt', text: 'a' });
    await sleep(5);
    const stamp = new Date().toISOString();
    await sleep(5);
    const truth0 = await f.truth(docs);
    const folder = [...truth0].find(([, n]) => n.folder && n.parentId !== null && n.name !== 'Media')![0];
    const late = await f.op(docs, { op: 'createFile', parent: folder, name: 'after stamp.txt', text: 'b' });
    const got = items(await f.round(`/drives/${docs}/root/delta?token=${stamp}`));
    const ids = new Set(got.map((i) => i.id));
    assert.ok(ids.has(late.id));
    assert.ok(ids.has(folder));
    assert.ok(!ids.has(early.id), 'a change before the timestamp is not sent');
    // Far in the past: everything there is.
    const all = items(await f.round(`/drives/${docs}/root/delta?token=2000-01-01T00:00:00Z`));
    assertSameTree(apply(new Map(), all), await f.truth(docs));
  });

  it('incremental rounds after remote changes converge on the truth; the last occurrence wins', async () => {
    const full = await f.round(`/drives/${finance}/root/delta`);
    const tree0 = apply(new Map(), items(full));
    assertSameTree(tree0, await f.truth(finance), 'baseline');
    const kids = childrenOf(tree0);
    const rootId = [...tree0].find(([, n]) => n.parentId === null)![0];
    const isFolder = (id: string) => tree0.get(id)!.folder;
    const hasSubfolderWithChildren = (id: string) =>
      (kids.get(id) ?? []).some((k) => isFolder(k) && (kids.get(k)?.length ?? 0) > 0);
    // Two disjoint folders with nested subtrees: one moves, one is deleted.
    const deep = [...tree0.keys()].filter(
      (id) => id !== rootId && isFolder(id) && hasSubfolderWithChildren(id),
    );
    const moving = deep[0]!;
    const movingTree = subtreeOf(kids, moving);
    const doomed = deep.find((id) => !movingTree.has(id) && !subtreeOf(kids, id).has(moving))!;
    assert.ok(doomed, 'two disjoint deep folders');
    const doomedTree = subtreeOf(kids, doomed);
    const outside = (id: string) => !movingTree.has(id) && !doomedTree.has(id);
    const dest = [...tree0.keys()].find((id) => isFolder(id) && id !== rootId && outside(id))!;
    const files = [...tree0.keys()].filter(
      (id) =>
        !isFolder(id) &&
        outside(id) &&
        tree0.get(id)!.parentId !== dest &&
        /[a-z]/i.test(tree0.get(id)!.name),
    );
    const [edited, renamed, caseRenamed, moved] = files;
    assert.ok(moved, 'four files to change');

    const newFolder = await f.op(finance, { op: 'createFolder', parent: rootId, name: 'Delta made here' });
    const newFile = await f.op(finance, {
      op: 'createFile',
      parent: newFolder.id,
      name: 'new.txt',
      text: 'new',
    });
    await f.op(finance, { op: 'write', item: edited!, text: 'edited content, longer than before?' });
    await f.op(finance, { op: 'rename', item: renamed!, name: 'Renamed by someone.txt' });
    const flipped = [...tree0.get(caseRenamed!)!.name]
      .map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase()))
      .join('');
    await f.op(finance, { op: 'rename', item: caseRenamed!, name: flipped });
    const movedOp = await f.op(finance, { op: 'move', item: moved!, parent: dest, name: 'Moved here.txt' });
    await f.op(finance, { op: 'move', item: moving, parent: newFolder.id });
    await f.op(finance, { op: 'delete', item: doomed });

    const pages = await f.round(deltaLinkOf(full));
    const got = items(pages);
    const truth1 = await f.truth(finance);
    assertSameTree(apply(tree0, got), truth1, 'after the incremental round');

    // The last occurrence of each id is its current state.
    const last = new Map(got.map((i) => [i.id, i]));
    for (const [id, item] of last) {
      if (item.deleted) assert.ok(!truth1.has(id), `${id} deleted but alive`);
      else assert.deepEqual(nodeOf(item), truth1.get(id), `last occurrence of ${id}`);
    }
    // Deletes: the folder and its whole subtree, each without a name.
    const deleted = got.filter((i) => i.deleted);
    assert.deepEqual(new Set(deleted.map((i) => i.id)), doomedTree);
    for (const item of deleted) {
      assert.deepEqual(item.deleted, { state: 'deleted' });
      assert.equal(item.name, undefined);
      assert.equal(item.cTag, undefined);
    }
    // Everything changed is there, the root too, and no path anywhere.
    for (const id of [newFolder.id, newFile.id, edited!, renamed!, caseRenamed!, moved!, moving, rootId]) {
      assert.ok(last.has(id), `${id} missing from the feed`);
    }
    assert.equal(last.get(caseRenamed!)!.name, flipped);
    for (const item of got) assert.equal(item.parentReference?.path, undefined);
    // A folder move does not re-send its descendants.
    for (const id of movingTree) if (id !== moving) assert.ok(!last.has(id), `descendant ${id} re-sent`);
    // Parents travel with a changed item, in the same page.
    for (const page of pages) {
      const ids = new Set(page.value.map((i) => i.id));
      for (const item of page.value) {
        if (!item.deleted && item.parentReference?.id) {
          assert.ok(ids.has(item.parentReference.id), `parent of ${item.id} not in its page`);
        }
      }
    }
    // GET item has the path: the moved file now lives in `dest`.
    const g = (await c.graph.api(`/drives/${finance}/items/${moved}`).get()) as DeltaItem;
    assert.equal(g.parentReference?.id, dest);
    const parentPath = movedOp.path.split('/').slice(0, -1).join('/');
    assert.equal(g.parentReference?.path, `/drives/${finance}/root:/${parentPath}`);
  });

  it('Prefer: deltaExcludeParent leaves the parents out; both converge', async () => {
    const link = (await f.get(`/drives/${finance}/root/delta?token=latest`))['@odata.deltaLink']!;
    const tree0 = await f.truth(finance);
    const kids = childrenOf(tree0);
    const rootId = [...tree0].find(([, n]) => n.parentId === null)![0];
    // Folders two levels down: the file's parent, grandparent and root are all parents.
    const nested = [...tree0]
      .filter(([id, n]) => n.folder && n.parentId && n.parentId !== rootId && kids.has(id))
      .map(([id]) => id)
      .slice(0, 3);
    assert.equal(nested.length, 3);
    const created = [];
    for (const [i, parent] of nested.entries()) {
      created.push((await f.op(finance, { op: 'createFile', parent, name: `excl ${i}.txt`, text: 'x' })).id);
    }
    const truth1 = await f.truth(finance);
    const without = items(await f.round(link, { prefer: 'deltaExcludeParent' }));
    const withParents = items(await f.round(link));
    assertSameTree(apply(tree0, without), truth1, 'excludeParent');
    assertSameTree(apply(tree0, withParents), truth1, 'with parents');
    for (const id of created) assert.equal(countOf(without, id), 1);
    assert.equal(countOf(without, rootId), 1, 'the root once: it changed itself (size)');
    assert.ok(countOf(withParents, rootId) > 1, 'the root comes with every changed item');
    assert.ok(without.length < withParents.length);
  });

  it('a full enumeration under a storm of changes, then one incremental round, equals the truth', async () => {
    let storms = 0;
    const storm = async () => {
      storms++;
      await c.control('POST', `/drives/${invoices}/storm`, { count: 20, seed: 1000 + storms });
    };
    const enumeration = await c.graph.api(`/drives/${invoices}/root/delta`).top(60).get();
    const pages = [enumeration as DeltaResponse];
    checkLinks(pages[0]!);
    pages.push(
      ...(await f.round((enumeration as DeltaResponse)['@odata.nextLink']!, {
        between: async (n) => {
          if (n % 2 === 1 && storms < 12) await storm();
        },
      })),
    );
    await storm();
    assert.ok(storms >= 6, `${storms} storms during the enumeration`);
    const all = items(pages);
    const repeated = [...new Set(all.map((i) => i.id))].filter((id) => countOf(all, id) > 1);
    assert.ok(repeated.length > 0, 'items repeat when they change during the enumeration');
    assert.ok(
      all.some((i) => i.deleted),
      'deletes during the enumeration are sent',
    );
    const tree1 = apply(apply(new Map(), all), items(await f.round(deltaLinkOf(pages))));
    assertSameTree(tree1, await f.truth(invoices), 'after the enumeration and one round');

    // And an incremental round under a storm, then one more round.
    const link = (await f.get(`/drives/${invoices}/root/delta?token=latest`))['@odata.deltaLink']!;
    const base = await f.truth(invoices);
    await storm();
    const during = await f.round(link, {
      between: async (n) => {
        if (n < 6) await storm();
      },
    });
    const tree2 = apply(apply(base, items(during)), items(await f.round(deltaLinkOf(during))));
    assertSameTree(tree2, await f.truth(invoices), 'after a stormy round and one more');
  });

  it('$top bounds every page, in full enumerations and in incremental rounds', async () => {
    const full = await f.round(`/drives/${projects}/root/delta?$top=7`);
    for (const p of full) assert.ok(p.value.length <= 7, `page of ${p.value.length}`);
    assert.ok(full.length >= 500 / 7);
    assertSameTree(apply(new Map(), items(full)), await f.truth(projects));

    const tree0 = await f.truth(projects);
    const link = (await f.get(`/drives/${projects}/root/delta?token=latest&$top=3`))['@odata.deltaLink']!;
    const depth = (id: string): number => {
      const p = tree0.get(id)!.parentId;
      return p === null ? 0 : 1 + depth(p);
    };
    // Files three folders down: with their parents they make pages of 4, more than $top.
    const deepFolders = [...tree0].filter(([id, n]) => n.folder && depth(id) >= 2).map(([id]) => id);
    assert.ok(deepFolders.length >= 5);
    for (const [i, parent] of deepFolders.slice(0, 5).entries()) {
      await f.op(projects, { op: 'createFile', parent, name: `top ${i}.txt`, text: 'y' });
    }
    const pages = await f.round(link);
    for (const p of pages) assert.ok(p.value.length <= 3, `page of ${p.value.length}`);
    assertSameTree(apply(tree0, items(pages)), await f.truth(projects));
    const capped = await f.round(`/drives/${projects}/root/delta?$top=100000`);
    for (const p of capped) assert.ok(p.value.length <= 1000);
  });

  it('$select is baked into the links, and without `deleted` it strips the facet', async () => {
    const pages = await f.round(`/drives/${projects}/root/delta?$select=id,name`);
    assert.ok(pages.length > 1);
    for (const item of items(pages)) assert.deepEqual(Object.keys(item).sort(), ['id', 'name']);
    const truth0 = await f.truth(projects);
    assert.equal(new Set(items(pages).map((i) => i.id)).size, truth0.size);

    const victims = [...truth0].filter(([, n]) => !n.folder).map(([id]) => id);
    await f.op(projects, { op: 'delete', item: victims[0]! });
    await f.op(projects, { op: 'rename', item: victims[1]!, name: 'selected rename.txt' });
    const round = items(await f.round(deltaLinkOf(pages)));
    const gone = round.filter((i) => i.id === victims[0]);
    assert.ok(gone.length > 0);
    for (const item of gone) assert.deepEqual(item, { id: victims[0] }, 'no deleted facet, no name');
    assert.equal(round.findLast((i) => i.id === victims[1])?.name, 'selected rename.txt');
    for (const item of round) assert.ok(Object.keys(item).every((k) => k === 'id' || k === 'name'));

    const link = (
      await f.get(`/drives/${projects}/root/delta?token=latest&$select=id,name,deleted,parentReference`)
    )['@odata.deltaLink']!;
    await f.op(projects, { op: 'delete', item: victims[2]! });
    const withFacet = items(await f.round(link)).filter((i) => i.id === victims[2]);
    assert.ok(withFacet.length > 0);
    for (const item of withFacet) {
      assert.deepEqual(Object.keys(item).sort(), ['deleted', 'id', 'parentReference']);
      assert.deepEqual(item.deleted, { state: 'deleted' });
      assert.equal(item.parentReference?.path, undefined);
    }
  });

  it('a forced resync answers 410 resyncRequired with a Location that enumerates everything again', async () => {
    const full = await f.round(`/drives/${projects}/root/delta`);
    const tree0 = apply(new Map(), items(full));
    const victim = [...tree0].find(([, n]) => !n.folder)![0];
    await f.op(projects, { op: 'delete', item: victim });
    await c.control('PATCH', '/faults', { forceResync: 1 });
    const location = await resyncError(f.get(deltaLinkOf(full)));
    assert.ok(location.startsWith(`${c.em.info.baseUrl}/v1.0/drives/${projects}/root/delta?token=`));
    // One forced 410 only: the same link works again.
    await f.round(deltaLinkOf(full));
    // Apply-differences: the re-enumeration is the whole truth; the delete never shows up in it.
    const again = items(await f.round(location));
    assert.ok(!again.some((i) => i.id === victim || i.deleted));
    assertSameTree(apply(new Map(), again), await f.truth(projects), 'resync');
    assert.ok(tree0.has(victim));
  });

  it('invalidated tokens answer 410; the restart link and new enumerations work', async () => {
    const first = await f.get(`/drives/${projects}/root/delta`);
    const midway = first['@odata.nextLink']!;
    assert.ok(midway);
    const done = deltaLinkOf(await f.round(`/drives/${projects}/root/delta`));
    const elsewhere = (await f.get(`/drives/${docs}/root/delta?token=latest`))['@odata.deltaLink']!;
    await c.control('POST', `/drives/${projects}/invalidate-tokens`);
    const location = await resyncError(f.get(done));
    await resyncError(f.get(midway));
    const restarted = await f.round(location);
    assertSameTree(apply(new Map(), items(restarted)), await f.truth(projects), 'restart');
    const quiet = await f.round(deltaLinkOf(restarted));
    assert.deepEqual(items(quiet), []);
    const fresh = await f.round(`/drives/${projects}/root/delta`);
    assertSameTree(apply(new Map(), items(fresh)), await f.truth(projects), 'fresh');
    await f.round(deltaLinkOf(fresh));
    // Other drives keep their tokens.
    await f.round(elsewhere);
  });
});

describe('delta feed: empty pages', () => {
  let c: EmulatorClient;
  before(async () => {
    c = await emulatorClient({ items: 300, seed: 5, behaviour: { deltaEmptyPageRatio: 0.5 } });
  });
  after(() => c.close());

  it('serves empty pages with a nextLink and still ends equal to the truth', async () => {
    const f = feed(c);
    const d = c.em.info.drives[0]!.id;
    const pages = await f.round(`/drives/${d}/root/delta?$top=50`);
    const empty = pages.filter((p) => p.value.length === 0 && p['@odata.nextLink']);
    assert.ok(empty.length > 0, 'no empty page with a nextLink');
    assertSameTree(apply(new Map(), items(pages)), await f.truth(d));
  });
});

describe('delta feed: token retention', () => {
  const retentionMs = 1500;
  let c: EmulatorClient;
  before(async () => {
    c = await emulatorClient({ items: 200, seed: 4, behaviour: { deltaTokenRetentionMs: retentionMs } });
  });
  after(() => c.close());

  it('a token older than the retention answers 410; its Location enumerates everything', async () => {
    const f = feed(c);
    const d = c.em.info.drives[0]!.id;
    const link = (await f.get(`/drives/${d}/root/delta?token=latest`))['@odata.deltaLink']!;
    const midway = (await f.get(`/drives/${d}/root/delta?$top=10`))['@odata.nextLink']!;
    await sleep(retentionMs + 100);
    const location = await resyncError(f.get(link));
    await resyncError(f.get(midway));
    const pages = await f.round(location);
    assertSameTree(apply(new Map(), items(pages)), await f.truth(d));
  });
});
