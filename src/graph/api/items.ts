import type { DriveItem } from '@microsoft/microsoft-graph-types';
import { ClientErrorCode, GraphRequestError, hasCode } from '../errors.js';
import { collectPages, encodePath, type GraphTransport, query } from './transport.js';

export interface ItemQuery {
  select?: string[];
  /** Page size for listings (Graph: default 200, up to ~1000). */
  top?: number;
  signal?: AbortSignal;
}

export interface CreateFolderOptions {
  /** What Graph does when the name is taken (default fail: 409 nameAlreadyExists). */
  conflictBehavior?: 'fail' | 'rename' | 'replace';
  signal?: AbortSignal;
}

function itemPath(driveId: string, itemId: string): string {
  const drive = `/drives/${encodeURIComponent(driveId)}`;
  return itemId === 'root' ? `${drive}/root` : `${drive}/items/${encodeURIComponent(itemId)}`;
}

export function getItem(
  graph: GraphTransport,
  driveId: string,
  itemId: string,
  q: ItemQuery = {},
): Promise<DriveItem> {
  return graph.request<DriveItem>(
    'GET',
    `${itemPath(driveId, itemId)}${query({ $select: q.select?.join(',') })}`,
    {
      signal: q.signal,
    },
  );
}

/** The item at `path` below `parentId` (`a/b.txt`), by Graph's path addressing. */
export function getItemByPath(
  graph: GraphTransport,
  driveId: string,
  parentId: string,
  path: string,
  q: ItemQuery = {},
): Promise<DriveItem> {
  const url = `${itemPath(driveId, parentId)}:/${encodePath(path)}:${query({ $select: q.select?.join(',') })}`;
  return graph.request<DriveItem>('GET', url, { signal: q.signal });
}

/** All children of a folder, every page. Not a consistent snapshot under concurrent writes (only delta is). */
export function listChildren(
  graph: GraphTransport,
  driveId: string,
  itemId: string,
  q: ItemQuery = {},
): Promise<DriveItem[]> {
  const url = `${itemPath(driveId, itemId)}/children${query({ $select: q.select?.join(','), $top: q.top })}`;
  return collectPages<DriveItem>(graph, url, { signal: q.signal });
}

/**
 * Creates a folder. A POST that lost its connection may have run, so it is not resent blindly:
 * if the folder is there by then, that is the answer; if not, the POST goes once more.
 */
export async function createFolder(
  graph: GraphTransport,
  driveId: string,
  parentId: string,
  name: string,
  opts: CreateFolderOptions = {},
): Promise<DriveItem> {
  const behavior = opts.conflictBehavior ?? 'fail';
  const post = () =>
    graph.request<DriveItem>('POST', `${itemPath(driveId, parentId)}/children`, {
      body: { name, folder: {}, '@microsoft.graph.conflictBehavior': behavior },
      signal: opts.signal,
    });
  try {
    return await post();
  } catch (err) {
    if (!hasCode(err, ClientErrorCode.network) || behavior === 'rename') throw err;
    const existing = await getItemByPath(graph, driveId, parentId, name, { signal: opts.signal }).catch(
      (e: unknown) => {
        if (e instanceof GraphRequestError && e.status === 404) return undefined;
        throw e;
      },
    );
    if (existing?.folder) return existing;
    if (existing) throw err;
    return post();
  }
}
