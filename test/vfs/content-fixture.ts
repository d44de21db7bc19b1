import { setTimeout as sleep } from 'node:timers/promises';
import { silentLog } from '../../src/emulator/http/log.js';
import type { EmulatorOptions } from '../../src/emulator/index.js';
import {
  ContentReader,
  type ContentReaderOptions,
  type ContentVersion,
} from '../../src/vfs/content/index.js';
import { type Harness, harness } from '../graph/fixture.js';
import { controlApi } from '../helpers/control-api.js';

/** A seeded random source in [0, 1): the project's one PRNG. */
export { mulberry32 as prng } from '../../src/emulator/http/random.js';

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** The emulator's fault settings with every fault off: what each test restores. */
export const NO_FAULTS = { pIgnoreRange: 0, pReset: 0, pTruncate: 0, p503: 0, latencyMs: 0, scope: 'all' };

/** What the control API says about an item. */
export interface ControlItem {
  id: string;
  name: string;
  eTag: string;
  cTag: string;
  size: number;
}

export interface ContentFixture {
  h: Harness;
  driveId: string;
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** The emulator's bytes of an item in [start, end) (the truth, read around the download route). */
  truth(itemId: string, start: number, end: number): Promise<Buffer>;
  /** A stored file of these bytes in the drive's root. */
  createFile(name: string, bytes: Buffer): Promise<ControlItem>;
  /** Replaces a file's bytes as another user would. */
  writeFile(itemId: string, bytes: Buffer): Promise<ControlItem>;
  find(name: string): Promise<ControlItem>;
  versionOf(item: ControlItem): ContentVersion;
  reader(opts?: Partial<ContentReaderOptions>): ContentReader;
  faults(patch: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** An emulator, a Graph client for it, and content readers that are closed with it. */
export async function contentFixture(opts: EmulatorOptions = {}): Promise<ContentFixture> {
  const h = await harness({ items: 300, seed: 7, log: silentLog, throttle: { disabled: true }, ...opts });
  const driveId = h.emu.info.drives[0]!.id;
  const graph = h.client();
  const readers: ContentReader[] = [];
  const api = controlApi(h.emu.info.controlUrl, h.emu.info.caPem);
  const { control } = api;
  return {
    h,
    driveId,
    control,
    truth: (itemId, start, end) =>
      api.raw('GET', `/drives/${driveId}/items/${itemId}/bytes?start=${start}&end=${end - 1}`),
    createFile: (name, bytes) =>
      control('POST', `/drives/${driveId}/ops`, {
        op: 'createFile',
        parent: '/',
        name,
        base64: bytes.toString('base64'),
      }),
    writeFile: (itemId, bytes) =>
      control('POST', `/drives/${driveId}/ops`, {
        op: 'write',
        item: itemId,
        base64: bytes.toString('base64'),
      }),
    find: async (name) => {
      const { value } = await control<{ value: ControlItem[] }>('GET', `/drives/${driveId}/truth`);
      const item = value.find((i) => i.name === name);
      if (!item) throw new Error(`no item named ${name}`);
      return item;
    },
    versionOf: (item) => ({ driveId, itemId: item.id, size: item.size, eTag: item.eTag, cTag: item.cTag }),
    reader: (o = {}) => {
      const r = new ContentReader({ graph, caPem: h.emu.info.caPem, ...o });
      readers.push(r);
      return r;
    },
    faults: async (patch) => {
      await control('PATCH', '/faults', patch);
    },
    close: async () => {
      await Promise.all(readers.map((r) => r.close()));
      await api.close();
      await h.close();
    },
  };
}

/** Deterministic bytes that differ per seed (xorshift). */
export function patternBytes(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Polls `check` until it holds; fails after `timeoutMs` (a bound, not a pace). */
export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}
