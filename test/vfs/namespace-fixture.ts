// A real stack for file-system tests: the emulator, a GraphClient, an LMDB index filled by the
// real SyncEngine, the real ContentReader, and a Vfs over them. Remote changes go through the
// emulator's control API (as another user would make them) or, for bulk set-ups, its model.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MappedLibrary, resolveLibraries } from '../../src/app/libraries.js';
import type { EmulatorOptions, RemoteOp, TruthItem } from '../../src/emulator/index.js';
import type { GraphClient } from '../../src/graph/index.js';
import { ContentReader } from '../../src/vfs/content/index.js';
import { Vfs, type VfsOptions, webUrlsFromGraph } from '../../src/vfs/index.js';
import { type Index, openIndex } from '../../store/index.js';
import { SyncEngine } from '../../streams/sync-engine.js';
import { type Harness, harness } from '../graph/fixture.js';
import { controlApi } from '../helpers/control-api.js';

export interface RemoteItem {
  id: string;
  name: string;
  parentId: string;
  path: string;
  eTag: string;
  cTag: string;
  size: number;
}

export interface World {
  h: Harness;
  graph: GraphClient;
  index: Index;
  engine: SyncEngine;
  reader: ContentReader;
  libraries: MappedLibrary[];
  dir: string;
  library(site: string, name: string): MappedLibrary;
  control<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** A change made by another user; not in the index until the next sync. */
  op(driveId: string, op: RemoteOp): Promise<RemoteItem>;
  /** The emulator's bytes of a file (whole, or [start, end] inclusive). */
  bytes(driveId: string, itemId: string, range?: [number, number]): Promise<Buffer>;
  truth(driveId: string): Promise<TruthItem[]>;
  /** One delta round for every library, started now. */
  sync(): Promise<void>;
  vfs(opts?: Partial<VfsOptions>): Vfs;
  close(): Promise<void>;
}

export async function world(
  opts: EmulatorOptions & { pollIntervalMs?: number; contentBlockSize?: number } = {},
): Promise<World> {
  const { pollIntervalMs = 3_600_000, contentBlockSize, ...emulatorOpts } = opts;
  const h = await harness({ items: 300, seed: 5, ...emulatorOpts });
  const dir = mkdtempSync(join(tmpdir(), 'deltafs-vfs-'));
  const graph = h.client();
  const index = openIndex(join(dir, 'index'), { noSync: true });
  const engine = new SyncEngine({
    index,
    pollIntervalMs,
    retry: { initialDelayMs: 20, maxDelayMs: 200, attempts: 20 },
    top: 500,
  });
  const reader = new ContentReader({
    graph,
    caPem: h.emu.info.caPem,
    ...(contentBlockSize ? { blockSize: contentBlockSize } : {}),
  });
  const libraries = await resolveLibraries(graph, []);
  for (const lib of libraries) engine.add(lib.driveId, graph);
  await engine.syncAll();

  const { raw, control, close: closeControl } = controlApi(h.emu.info.controlUrl, h.emu.info.caPem);

  return {
    h,
    graph,
    index,
    engine,
    reader,
    libraries,
    dir,
    library: (site, name) => {
      const lib = libraries.find((l) => l.siteName === site && l.libraryName === name);
      if (!lib)
        throw new Error(
          `no library ${site}/${name} in ${libraries.map((l) => `${l.siteName}/${l.libraryName}`)}`,
        );
      return lib;
    },
    control,
    op: (driveId, op) => control<RemoteItem>('POST', `/drives/${driveId}/ops`, op),
    bytes: (driveId, itemId, range) =>
      raw(
        'GET',
        `/drives/${driveId}/items/${itemId}/bytes${range ? `?start=${range[0]}&end=${range[1]}` : ''}`,
      ),
    truth: async (driveId) =>
      (await control<{ value: TruthItem[] }>('GET', `/drives/${driveId}/truth`)).value,
    sync: async () => {
      await engine.syncAll();
    },
    vfs: (o = {}) => new Vfs({ index, libraries, content: reader, webUrls: webUrlsFromGraph(graph), ...o }),
    close: async () => {
      engine.close();
      await reader.close();
      await closeControl();
      await h.close();
      await index.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
