import type { DriveItem } from '@microsoft/microsoft-graph-types';
import type { Page } from '../paging.js';
import { type GraphTransport, query } from './transport.js';

export interface DeltaQuery {
  driveId: string;
  /** A token from an earlier deltaLink, `latest`, or a timestamp; omit to enumerate everything. */
  token?: string;
  /** Properties to return; `id` and `deleted` are always added (without `deleted` Graph drops the facet silently). */
  select?: string[];
  top?: number;
}

export interface DeltaOptions {
  /** `Prefer: deltaExcludeParent`: leave out the ancestors Graph otherwise repeats with each change. */
  excludeParents?: boolean;
  signal?: AbortSignal;
}

export interface DeltaPage {
  value: DriveItem[];
  /** More of this round: fetch it next. */
  nextLink?: string;
  /** Round complete: store it and use it for the next round. */
  deltaLink?: string;
}

/**
 * One page of a drive's delta feed. Links are sent exactly as Graph returned them. A token Graph
 * can no longer serve throws GraphRequestError 410 (`hasCode(err, 'resyncRequired')`) whose
 * `location` restarts a full enumeration.
 */
export async function deltaPage(
  graph: GraphTransport,
  from: string | DeltaQuery,
  opts: DeltaOptions = {},
): Promise<DeltaPage> {
  const url = typeof from === 'string' ? from : deltaUrl(from);
  const page = await graph.request<Page<DriveItem>>('GET', url, {
    headers: opts.excludeParents ? { Prefer: 'deltaExcludeParent' } : undefined,
    signal: opts.signal,
  });
  const nextLink = page['@odata.nextLink'];
  const deltaLink = page['@odata.deltaLink'];
  if (!Array.isArray(page.value) || (nextLink === undefined) === (deltaLink === undefined)) {
    throw new TypeError(
      'delta page must carry a value array and exactly one of @odata.nextLink / @odata.deltaLink',
    );
  }
  return nextLink !== undefined ? { value: page.value, nextLink } : { value: page.value, deltaLink };
}

function deltaUrl(q: DeltaQuery): string {
  const select = q.select ? [...new Set(['id', 'deleted', ...q.select])].join(',') : undefined;
  return `/drives/${encodeURIComponent(q.driveId)}/root/delta${query({ $select: select, $top: q.top, token: q.token })}`;
}
