/** Counters of one ContentReader, cumulative; read them, do not write them. */
export interface ContentStats {
  /** Blocks received from the network (demand and read-ahead). */
  blocksFetched: number;
  /** Bytes received from the network, including bytes skipped in a whole-file answer to a Range. */
  bytesFetched: number;
  /** Range answers tagged with another version than the pinned one: dropped unread. */
  versionMismatches: number;
  /** Download URLs fetched again (expired, refused, or past their maximum age). */
  urlRefreshes: number;
  /** Range requests answered 200 with the whole body. */
  rangeIgnored: number;
  /** Blocks fetched ahead of the reader. */
  readAheadBlocks: number;
  /** Range requests started because a read needed their first blocks and nothing had asked for them yet. */
  demandFetches: number;
  /**
   * Random reads smaller than half their blocks, none of them cached or on their way, answered by
   * a range GET of just their bytes (aligned out to 4 KiB), which is not cached.
   */
  spanFetches: number;
  /** Range GETs sent (each may carry many blocks), retries included. */
  rangeRequests: number;
  /** Range requests sent again after a transient failure (reset, truncated body, 5xx, 429). */
  retries: number;
  /** Read-ahead fetches that failed (the read that needs the block tries again). */
  readAheadErrors: number;
}

export function emptyStats(): ContentStats {
  return {
    blocksFetched: 0,
    bytesFetched: 0,
    versionMismatches: 0,
    urlRefreshes: 0,
    rangeIgnored: 0,
    readAheadBlocks: 0,
    demandFetches: 0,
    spanFetches: 0,
    rangeRequests: 0,
    retries: 0,
    readAheadErrors: 0,
  };
}
