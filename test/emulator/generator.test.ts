import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QuickXorHash } from '../../src/emulator/content/quickXorHash.js';
import { phaseFor } from '../../src/emulator/content/seeded.js';
import { buildTenant, defaultTenantSpec } from '../../src/emulator/layout.js';
import type { Drive } from '../../src/emulator/model/drive.js';
import { generateLibrary } from '../../src/emulator/model/generator.js';
import { hashOfContent } from '../../src/emulator/model/hash.js';
import { foldName, validateName } from '../../src/emulator/model/names.js';
import { Tenant } from '../../src/emulator/model/tenant.js';
import { type TruthItem, truthOf } from '../../src/emulator/routes/control.js';
import { type EmulatorClient, emulatorClient } from '../helpers/emulator.js';

const TENANT = '6a1d3c52-7b0e-4f43-9a35-0c5f2d7e8b11';

function library(items: number, seed: number, hugeFileBytes?: number): Drive {
  const tenant = new Tenant(TENANT, 'contoso', hashOfContent);
  const drive = tenant.addDrive(tenant.addSite('Lib'), 'Documents');
  generateLibrary(drive, {
    items,
    seed,
    hugeFileBytes,
    contentFor: (key, version) => ({ kind: 'seeded', phase: phaseFor(seed, key, version) }),
  });
  return drive;
}

/** ids, names, parents, sizes and hashes of every drive of a tenant, by drive name. */
function snapshot(items: number, seed: number): Map<string, TruthItem[]> {
  const tenant = buildTenant(defaultTenantSpec(items, seed, TENANT));
  return new Map([...tenant.drives.values()].map((d) => [`${d.info.siteName}/${d.info.name}`, truthOf(d)]));
}

function checkNames(drive: Drive): void {
  const byParent = new Map<string, string[]>();
  for (const item of drive.items.values()) {
    if (item.deleted || item.parentId === null) continue;
    validateName(item.name);
    const list = byParent.get(item.parentId) ?? [];
    list.push(item.name);
    byParent.set(item.parentId, list);
  }
  for (const [parentId, names] of byParent) {
    const folded = new Set(names.map(foldName));
    assert.equal(
      folded.size,
      names.length,
      `case-insensitive clash under ${drive.pathOf(drive.get(parentId))}`,
    );
    assert.equal(drive.get(parentId).children!.size, names.length);
  }
}

function shape(drive: Drive): { maxChildren: number; maxDepth: number } {
  let maxChildren = 0;
  let maxDepth = 0;
  const depth = new Map<string, number>([[drive.root.id, 0]]);
  for (let seq = 1; seq < drive.log.length; seq++) {
    const item = drive.log[seq]!;
    if (item.parentId === null) continue;
    const d = depth.get(item.parentId);
    assert.ok(d !== undefined, `${item.name} precedes its parent in the log`);
    depth.set(item.id, d + 1);
    maxDepth = Math.max(maxDepth, d + 1);
    if (item.children) maxChildren = Math.max(maxChildren, item.children.size);
  }
  return { maxChildren, maxDepth };
}

function checkFolderSizes(drive: Drive): void {
  for (const item of drive.items.values()) {
    if (!item.children) continue;
    let sum = 0;
    for (const id of item.children.values()) sum += drive.items.get(id)!.size;
    assert.equal(item.size, sum, `size of ${drive.pathOf(item) || 'root'}`);
  }
}

describe('library generator', () => {
  it('the same seed gives the same tenant, a different seed a different one', () => {
    const a = snapshot(2000, 5);
    const b = snapshot(2000, 5);
    assert.equal(a.size, 5);
    assert.deepEqual(a, b);
    const c = snapshot(2000, 6);
    assert.deepEqual([...c.keys()], [...a.keys()]);
    for (const [name, truth] of a) {
      const other = c.get(name)!;
      const ids = new Set(truth.filter((t) => t.parentId !== null).map((t) => t.id));
      assert.ok(!other.some((t) => ids.has(t.id)), `${name}: ids shared across seeds`);
      const sizes = (list: TruthItem[]) => list.map((t) => t.size).join();
      const names = (list: TruthItem[]) => list.map((t) => t.name).join('/');
      assert.notEqual(sizes(other), sizes(truth), `${name}: same sizes`);
      assert.notEqual(names(other), names(truth), `${name}: same names`);
    }
  });

  it('makes exactly the number of items asked for', () => {
    for (const n of [0, 1, 2, 3, 17, 250, 4321]) {
      for (const huge of [undefined, 2 ** 20]) {
        const drive = library(n, 99 + n, huge);
        assert.equal(drive.liveFiles + drive.liveFolders - 1, n, `${n} items, huge ${huge}`);
        assert.equal(drive.items.size - 1, n);
        assert.equal(drive.latestSeq, n + 1, 'root plus one log entry per item');
        if (huge && n >= 2)
          assert.equal(drive.byPath(drive.root, ['Media', 'Town hall recording.mp4']).size, huge);
      }
    }
  });

  it('names are valid and unique per folder, case-insensitively; folder sizes add up', () => {
    for (const seed of [1, 2, 3]) {
      const drive = library(5000, seed, 2 ** 30);
      checkNames(drive);
      checkFolderSizes(drive);
      shape(drive);
    }
  });

  it('a library of 50,000 has a folder of 10,000+ children and is 6+ levels deep', () => {
    for (const seed of [1, 42]) {
      const drive = library(50_000, seed, 2 ** 30);
      assert.equal(drive.liveFiles + drive.liveFolders - 1, 50_000);
      const { maxChildren, maxDepth } = shape(drive);
      assert.ok(maxChildren >= 10_000, `seed ${seed}: widest folder ${maxChildren}`);
      assert.ok(maxDepth >= 6, `seed ${seed}: deepest item at level ${maxDepth}`);
      checkNames(drive);
      checkFolderSizes(drive);
    }
  });
});

describe('generated libraries through the Graph client', () => {
  let c: EmulatorClient;
  let docs: string;
  before(async () => {
    c = await emulatorClient({ items: 1000, seed: 9 });
    docs = c.em.info.drives[0]!.id;
  });
  after(() => c.close());

  const truth = async (driveId: string, client = c) =>
    (await client.control<{ value: TruthItem[] }>('GET', `/drives/${driveId}/truth`)).value;

  it('item counts are exact and the same seed serves the same trees', async () => {
    const counts = c.em.info.drives.map((d) => `${d.siteName}/${d.name}:${d.items}`);
    assert.deepEqual(counts, [
      'Company/Documents:1000',
      'Finance/Documents:1000',
      'Finance/Invoices:1000',
      'Projects/Shared Documents:500',
      'personal-adele/OneDrive:300',
    ]);
    const twin = await emulatorClient({ items: 1000, seed: 9 });
    const other = await emulatorClient({ items: 1000, seed: 10 });
    try {
      for (const d of c.em.info.drives) {
        const mine = await truth(d.id);
        assert.equal(mine.length, d.items + 1);
        assert.deepEqual(await truth(d.id, twin), mine, `${d.name}: same seed, same tree`);
        const theirs = await truth(d.id, other);
        assert.notDeepEqual(
          theirs.map((t) => [t.id, t.name, t.size]),
          mine.map((t) => [t.id, t.name, t.size]),
        );
      }
    } finally {
      await twin.close();
      await other.close();
    }
  });

  it("a file's quickXorHash matches the bytes its download URL serves", async () => {
    const files = (await truth(docs))
      .filter((t) => !t.folder && t.size < 4 * 2 ** 20)
      .sort((a, b) => a.size - b.size);
    const picked = [0, 1, 0.25, 0.5, 0.75, 0.9, 1].map(
      (q) => files[Math.min(files.length - 1, Math.floor(q * files.length))]!,
    );
    const bearer = { authorization: `Bearer ${await c.token()}` };
    for (const t of picked) {
      const item = (await c.graph.api(`/drives/${docs}/items/${t.id}`).get()) as {
        size: number;
        file: { hashes: { quickXorHash: string } };
      };
      assert.equal(item.file.hashes.quickXorHash, t.quickXorHash);
      const redirect = await c.raw(`${c.em.info.baseUrl}/v1.0/drives/${docs}/items/${t.id}/content`, {
        headers: bearer,
      });
      assert.equal(redirect.status, 302);
      const url = redirect.headers.location!;
      const download = await c.raw(url);
      assert.equal(download.status, 200);
      assert.equal(download.body.length, item.size);
      assert.equal(
        new QuickXorHash().update(download.body).digestBase64(),
        item.file.hashes.quickXorHash,
        `${t.name} (${t.size} bytes)`,
      );
      const withToken = await c.raw(url, { headers: bearer });
      assert.equal(withToken.status, 401, 'download URLs take no Authorization header');
    }
  });

  it('the 1 GiB recording serves ranges at its end', async () => {
    const item = (await c.graph.api(`/drives/${docs}/root:/Media/Town%20hall%20recording.mp4:`).get()) as {
      id: string;
      size: number;
      file: { hashes: { quickXorHash: string } };
    };
    const size = 2 ** 30;
    assert.equal(item.size, size);
    assert.match(item.file.hashes.quickXorHash, /^[A-Za-z0-9+/]{27}=$/);
    const redirect = await c.raw(`${c.em.info.baseUrl}/v1.0/drives/${docs}/items/${item.id}/content`, {
      headers: { authorization: `Bearer ${await c.token()}` },
    });
    const url = redirect.headers.location!;
    const tail = await c.raw(url, { headers: { range: `bytes=${size - 4096}-` } });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers['content-range'], `bytes ${size - 4096}-${size - 1}/${size}`);
    assert.equal(tail.body.length, 4096);
    const expected = await c.raw(
      `${c.em.info.controlUrl}/drives/${docs}/items/${item.id}/bytes?start=${size - 4096}`,
    );
    assert.ok(tail.body.equals(expected.body), 'range bytes differ from the item content');
    const suffix = await c.raw(url, { headers: { range: 'bytes=-100' } });
    assert.equal(suffix.status, 206);
    assert.ok(suffix.body.equals(tail.body.subarray(4096 - 100)));
    const beyond = await c.raw(url, { headers: { range: `bytes=${size}-` } });
    assert.equal(beyond.status, 416);
  });
});
