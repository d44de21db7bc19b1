import type { Method, RequestOptions } from '../client.js';
import type { Page } from '../paging.js';

/** What the typed helpers need from a client (a fake of this is enough to test their callers). */
export interface GraphTransport {
  request<T>(method: Method, pathOrUrl: string, opts?: RequestOptions): Promise<T>;
}

/** Percent-encodes each segment of a path for Graph's `:/a/b:` addressing. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');
}

export function query(params: Record<string, string | number | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params))
    if (v !== undefined) parts.push(`${k}=${encodeURIComponent(String(v))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** Every item of a paged collection, following @odata.nextLink as sent. */
export async function collectPages<T>(
  graph: GraphTransport,
  first: string,
  opts: RequestOptions = {},
): Promise<T[]> {
  const out: T[] = [];
  for (let url: string | undefined = first; url !== undefined; ) {
    const page: Page<T> = await graph.request<Page<T>>('GET', url, opts);
    out.push(...page.value);
    url = page['@odata.nextLink'];
  }
  return out;
}
