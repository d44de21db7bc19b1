import { join } from 'node:path';
import type { Mounted } from '../../mount/index.js';
import { BlockCache, ContentReader } from '../vfs/content/index.js';
import { Vfs, webUrlsFromGraph } from '../vfs/index.js';
import { checkFuse } from './fuse-check.js';
import type { Runtime } from './runtime.js';

export interface MountedRuntime {
  vfs: Vfs;
  reader: ContentReader;
  mounted: Mounted;
  /** Unmounts, then stops reads. The runtime itself is the caller's to close. */
  close(): Promise<void>;
}

const MiB = 2 ** 20;

/** The file system over a runtime's index, served by the kernel at `mountpoint`. */
export async function mountRuntime(rt: Runtime, mountpoint: string): Promise<MountedRuntime> {
  await checkFuse();
  // Loaded only now: the binding needs libfuse, which checkFuse has just vouched for.
  const { mount } = await import('../../mount/index.js');
  const m = rt.config.mount;
  const cache = new BlockCache({
    maxBytes: m.cacheMiB * MiB,
    ...(m.diskCacheMiB > 0
      ? { diskDir: join(rt.config.stateDir, 'blocks'), diskMaxBytes: m.diskCacheMiB * MiB }
      : {}),
  });
  const reader = new ContentReader({
    graph: rt.graph,
    blockSize: m.blockSizeKiB * 1024,
    cache,
    readAheadMax: m.readAheadBlocks,
    ...(rt.caPem ? { caPem: rt.caPem } : {}),
  });
  const vfs = new Vfs({
    index: rt.index,
    libraries: rt.libraries,
    layout: m.layout === 'library' && rt.libraries.length === 1 ? 'library' : 'sites',
    content: reader,
    limits: { maxOpenBytes: m.maxOpenMiB * MiB, readOnlyAboveBytes: m.readOnlyAboveMiB * MiB },
    webUrls: webUrlsFromGraph(rt.graph),
  });
  let mounted: Mounted;
  try {
    mounted = await mount(vfs, mountpoint, {
      ...(m.attrTimeout !== undefined ? { attrTimeout: m.attrTimeout } : {}),
      ...(m.entryTimeout !== undefined ? { entryTimeout: m.entryTimeout } : {}),
      ...(m.allowOther !== undefined ? { allowOther: m.allowOther } : {}),
    });
  } catch (err) {
    await reader.close();
    throw err;
  }
  return {
    vfs,
    reader,
    mounted,
    close: async () => {
      await mounted.unmount();
      await reader.close();
    },
  };
}
