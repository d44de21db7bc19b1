// The delta feed does not select webUrl (it would grow every page for a field few ever read),
// so the index usually lacks it. It is fetched per request instead of derived from a library
// URL and a path: SharePoint's URL rules (encoding, renamed libraries, OneDrive hosts) are
// Graph's to know, and an xattr read is rare enough to afford one GET.

import { type GraphClient, isGraphRequestError } from '../graph/index.js';
import { VfsError } from './errors.js';

export type WebUrlSource = (driveId: string, itemId: string) => Promise<string | undefined>;

export function webUrlsFromGraph(graph: Pick<GraphClient, 'getItem'>): WebUrlSource {
  return async (driveId, itemId) => {
    const item = await graph.getItem(driveId, itemId, { select: ['id', 'webUrl'] });
    return item.webUrl ?? undefined;
  };
}

/** A failed fetch as a file-system error: gone remotely is ENOENT, anything else EIO. */
export function webUrlError(err: unknown, path: string): VfsError {
  if (err instanceof VfsError) return err;
  const gone = isGraphRequestError(err) && err.status === 404;
  return new VfsError(gone ? 'ENOENT' : 'EIO', 'getxattr', path, { cause: err });
}
