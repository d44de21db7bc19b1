// Child process for crash.test.ts: applies pages until it is killed. Page n upserts 20 new
// files, renames the item 'counter' to `page-n` and carries the link `next-n`; it prints n
// once the page is committed.

import { openIndex } from '../../store/index.js';

const index = openIndex(process.argv[2]);
const drive = 'b!crash';
const time = { createdAt: 1, modifiedAt: 1, size: 1, eTag: '"e"' };
await index.applyBatch(
  drive,
  [{ kind: 'upsert', item: { id: 'root', name: 'root', parentId: null, isFolder: true, ...time } }],
  { nextLink: 'start' },
);
for (let n = 0; ; n++) {
  const files = Array.from({ length: 20 }, (_, i) => ({
    kind: 'upsert' as const,
    item: { id: `p${n}-${i}`, name: `file ${n}-${i}`, parentId: 'root', isFolder: false, ...time },
  }));
  const counter = { id: 'counter', name: `page-${n}`, parentId: 'root', isFolder: false, ...time };
  await index.applyBatch(drive, [...files, { kind: 'upsert', item: counter }], { nextLink: `next-${n}` });
  process.stdout.write(`${n}\n`);
}
