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
  // The commit of the previous page and its report. A page's transaction is queued while the
  // previous one is still committing (fsync), so the disk wait overlaps the next page's work;
  // LMDB commits them in order, each with its own link, so a crash still resumes exactly after
  // the last committed page. At most two pages are committing at once.
  let previous: Promise<void> | undefined;
  try {
    for (;;) {
      let page: DeltaPage;
      try {
        page = await pending;
      } catch (err) {
        if (!isGraphRequestError(err) || !hasCode(err, 'resyncRequired') || !err.location) throw err;
        // The token is gone: start over into a new generation; the old items keep serving
        // listings until the enumeration's end sweeps what it did not see.
        await previous;
        await index.beginResync(driveId, { nextLink: err.location });
        progress.enumerating = true;
        from = err.location;
        pending = fetchPage(graph, from, opts.signal);
        continue;
      }
      if (page.nextLink) pending = fetchPage(graph, page.nextLink, opts.signal);
      const link = page.nextLink ? { nextLink: page.nextLink } : { deltaLink: page.deltaLink! };
      const committed = index.applyBatch(driveId, toItemChanges(page.value), link);
      const prior = previous;
      const count = page.value.length;
      const last = page.nextLink === undefined;
      previous = (async () => {
        let applied: AppliedChanges;
        try {
          applied = await committed;
        } catch (err) {
          throw new CommitError(err);
        } finally {
          // Reports stay in page order even when a later commit settles first.
          await prior?.catch(() => {});
        }
        await prior;
        progress.pages++;
        progress.items += count;
        progress.done = last;
        opts.onApplied?.(applied, { ...progress });
      })();
      previous.catch(() => {});
      await prior;
      if (last) {
        await previous;
        return progress;
      }
    }
  } catch (err) {
    await previous?.catch(() => {});
    if (err instanceof CommitError) {
      // A page failed to commit while the next one was already queued: that one may have
      // committed a link past the failed page. Only a fresh enumeration is sure to converge.
      await index.beginResync(driveId);
      throw err.cause;
    }
    throw err;
  }
}

/** A page's transaction failed (as opposed to fetching it). */
class CommitError extends Error {
  constructor(override readonly cause: unknown) {
    super(`committing a delta page failed: ${cause instanceof Error ? cause.message : String(cause)}`);
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
