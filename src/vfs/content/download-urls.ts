import type { DriveItem } from '@microsoft/microsoft-graph-types';
import { type GraphClient, GraphRequestError } from '../../graph/index.js';
import { ContentError, VersionChangedError } from './errors.js';
import type { ContentStats } from './stats.js';

/** The content version a handle reads: fixed at open. */
export interface Pin {
  driveId: string;
  itemId: string;
  /** The identity of the content: the cTag, or the eTag when the server gave no cTag. */
  version: string;
  /** Tags a download may carry for this version (Graph's download hosts may send either). */
  tags: readonly string[];
  size: number;
  /**
   * Set once the server showed another version. Blocks of the pinned version that are cached
   * still serve reads; anything that would need a fetch fails at once instead of asking again.
   */
  changed?: VersionChangedError;
}

/** What one GET item said about the content, and when. */
export interface UrlEntry {
  url: string;
  version: string;
  eTag: string | undefined;
  cTag: string | undefined;
  size: number;
  fetchedAt: number;
}

export interface DownloadUrlsOptions {
  /** Download URLs carry no readable expiry; refresh them after this age anyway (default 50 min). */
  maxAgeMs?: number;
}

const DOWNLOAD_URL = '@microsoft.graph.downloadUrl';

/**
 * Pre-authenticated download URLs, one per item, obtained with a GET item and reused until they
 * are refused or too old. Concurrent lookups of one item share one GET. Each lookup also says
 * which version the server has now, which is how a refresh notices a new version.
 */
export class DownloadUrls {
  private readonly entries = new Map<string, UrlEntry>();
  private readonly lookups = new Map<string, Promise<UrlEntry>>();
  private readonly maxAgeMs: number;

  constructor(
    private readonly graph: GraphClient,
    private readonly stats: ContentStats,
    opts: DownloadUrlsOptions = {},
  ) {
    this.maxAgeMs = opts.maxAgeMs ?? 50 * 60_000;
  }

  /** The entry of an item if it is young enough to use without asking. */
  fresh(driveId: string, itemId: string): UrlEntry | undefined {
    const e = this.entries.get(key(driveId, itemId));
    return e && Date.now() - e.fetchedAt < this.maxAgeMs ? e : undefined;
  }

  /** Asks the server (GET item); concurrent callers for one item share the answer. */
  lookup(driveId: string, itemId: string, signal?: AbortSignal): Promise<UrlEntry> {
    const k = key(driveId, itemId);
    let p = this.lookups.get(k);
    if (!p) {
      p = this.getItem(driveId, itemId, signal).finally(() => this.lookups.delete(k));
      this.lookups.set(k, p);
    }
    return p;
  }

  /** A URL serving the pinned version; throws VersionChangedError once the server has another. */
  async urlFor(pin: Pin, signal?: AbortSignal): Promise<string> {
    let e = this.fresh(pin.driveId, pin.itemId);
    if (!e) {
      this.stats.urlRefreshes += 1;
      e = await this.lookup(pin.driveId, pin.itemId, signal);
    }
    if (e.version !== pin.version)
      throw new VersionChangedError(pin.driveId, pin.itemId, pin.version, e.version);
    return e.url;
  }

  /** The server refused `staleUrl`: get another, unless a concurrent refresh already did. */
  async refresh(pin: Pin, staleUrl: string, signal?: AbortSignal): Promise<void> {
    const current = this.fresh(pin.driveId, pin.itemId);
    if (current && current.url !== staleUrl) return;
    this.entries.delete(key(pin.driveId, pin.itemId));
    this.stats.urlRefreshes += 1;
    const e = await this.lookup(pin.driveId, pin.itemId, signal);
    if (e.version !== pin.version)
      throw new VersionChangedError(pin.driveId, pin.itemId, pin.version, e.version);
  }

  /** Drops what is known of an item, so the next open asks the server. */
  forget(driveId: string, itemId: string): void {
    this.entries.delete(key(driveId, itemId));
  }

  private async getItem(driveId: string, itemId: string, signal?: AbortSignal): Promise<UrlEntry> {
    let item: DriveItem;
    try {
      item = await this.graph.getItem(driveId, itemId, { signal });
    } catch (err) {
      throw fromGraphError(err, itemId);
    }
    if (item.folder || !item.file) throw new ContentError('EISDIR', `item ${itemId} is not a file`);
    const url = (item as Record<string, unknown>)[DOWNLOAD_URL];
    const version = item.cTag ?? item.eTag;
    if (typeof url !== 'string' || !version)
      throw new ContentError('EIO', `GET item ${itemId} gave no download URL or version tag`);
    const entry: UrlEntry = {
      url,
      version,
      eTag: item.eTag ?? undefined,
      cTag: item.cTag ?? undefined,
      size: item.size ?? 0,
      fetchedAt: Date.now(),
    };
    this.entries.set(key(driveId, itemId), entry);
    return entry;
  }
}

function key(driveId: string, itemId: string): string {
  return `${driveId}/${itemId}`;
}

function fromGraphError(err: unknown, itemId: string): unknown {
  if (!(err instanceof GraphRequestError) || err.code === 'aborted') return err;
  const code = err.status === 404 ? 'ENOENT' : err.status === 401 || err.status === 403 ? 'EACCES' : 'EIO';
  return new ContentError(code, `looking up item ${itemId} for download: ${err.message}`, { cause: err });
}
