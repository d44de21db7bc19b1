import {
  type DeltaOptions,
  type DeltaPage,
  type DeltaQuery,
  hasCode,
  isGraphRequestError,
} from '../src/graph/index.js';
import type { AppliedChanges, Index } from '../store/index.js';
import { DELTA_SELECT, toItemChanges } from './drive-item.js';

/** The part of GraphClient the feed uses. */
export interface DeltaSource {
  deltaPage(from: string | DeltaQuery, opts?: DeltaOptions): Promise<DeltaPage>;
}

export interface DeltaRunOptions {
  graph: DeltaSource;
  index: Index;
  driveId: string;
  /** Page size asked of Graph (it may send fewer, or none). */
  top?: number;
  signal?: AbortSignal;
  /** Called after each committed page, in order. */
  onApplied?: (applied: AppliedChanges, progress: RunProgress) => void;
}

export interface RunProgress {
  driveId: string;
  pages: number;
  items: number;
  /** A full enumeration (first sync or resync), as opposed to an incremental round. */
  enumerating: boolean;
  done: boolean;
}

/**
 * One round of the delta feed for one drive: from where the index stands (an enumeration's
 * nextLink first, else the deltaLink, else a fresh enumeration) to the next deltaLink. Each page
 * is committed with its link in one transaction, so a crash resumes at the last committed page.
 * The next page is fetched while the current one is written: the network and LMDB overlap, but
 * never more than one page waits in memory.
 */
export async function runDelta(opts: DeltaRunOptions): Promise<RunProgress> {
  const { graph, index, driveId } = opts;
  const state = index.getDriveState(driveId);
  const progress: RunProgress = {
    driveId,
    pages: 0,
    items: 0,
    enumerating: state?.nextLink !== undefined || state?.deltaLink === undefined,
    done: false,
  };
  let from: string | DeltaQuery = state?.nextLink ??
    state?.deltaLink ?? { driveId, select: DELTA_SELECT, top: opts.top };

  let pending = fetchPage(graph, from, opts.signal);
  for (;;) {
    let page: DeltaPage;
    try {
      page = await pending;
    } catch (err) {
      if (!isGraphRequestError(err) || !hasCode(err, 'resyncRequired') || !err.location) throw err;
      // The token is gone: start over into a new generation; the old items keep serving
      // listings until the enumeration's end sweeps what it did not see.
      await index.beginResync(driveId, { nextLink: err.location });
      progress.enumerating = true;
      from = err.location;
      pending = fetchPage(graph, from, opts.signal);
      continue;
    }
    if (page.nextLink) pending = fetchPage(graph, page.nextLink, opts.signal);
    const link = page.nextLink ? { nextLink: page.nextLink } : { deltaLink: page.deltaLink! };
    const applied = await index.applyBatch(driveId, toItemChanges(page.value), link);
    progress.pages++;
    progress.items += page.value.length;
    progress.done = page.nextLink === undefined;
    opts.onApplied?.(applied, { ...progress });
    if (progress.done) return progress;
  }
}

function fetchPage(
  graph: DeltaSource,
  from: string | DeltaQuery,
  signal: AbortSignal | undefined,
): Promise<DeltaPage> {
  const p = graph.deltaPage(from, { signal });
  // A prefetched page may fail while the previous one is still being written; the failure is
  // handled when the page is awaited, not reported as unhandled in between.
  p.catch(() => {});
  return p;
}
