/** Segments after which Graph puts an id (or a site's `host,guid,guid`). */
const ID_AFTER = new Set([
  'drives',
  'items',
  'sites',
  'lists',
  'users',
  'groups',
  'subscriptions',
  'permissions',
  'versions',
  'thumbnails',
  'columns',
  'contentTypes',
]);

const VERSION = /^\/(v1\.0|beta)(?=\/|$)/;

/** True for Graph API paths (`/v1.0/...`, `/beta/...`), false for download/upload/token URLs. */
export function isGraphApiPath(pathname: string): boolean {
  return VERSION.test(pathname);
}

/**
 * The route with ids and path-addressed names replaced, for metric labels and span names:
 * `/drives/{id}/items/{id}:{path}:/content`. Bounded cardinality and nothing of the user's data.
 */
export function routeTemplate(url: URL): string {
  const m = VERSION.exec(url.pathname);
  if (!m)
    return url.pathname.split('/').length > 2 ? `/${url.pathname.split('/')[1]}/{opaque}` : url.pathname;
  const rest = url.pathname.slice(m[0].length).replace(/:\/[^:]*(:|$)/, ':{path}$1');
  const segments = rest.split('/');
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1]!;
    if (ID_AFTER.has(prev) && segments[i] !== '' && segments[i] !== 'root') {
      const colon = segments[i]!.indexOf(':');
      segments[i] = colon < 0 ? '{id}' : `{id}${segments[i]!.slice(colon)}`;
    }
  }
  return segments.join('/') || '/';
}

/**
 * SharePoint's resource-unit cost of one request (Graph throttling guidance): 1 for a single GET,
 * a delta with a token, or a download; 2 for listings, token-less delta and writes; 5 for
 * permission operations. A $batch costs the sum of its parts.
 */
export function resourceCost(method: string, url: URL, body?: unknown): number {
  const path = url.pathname;
  if (path.endsWith('/$batch')) return batchCost(url, body);
  if (/\/permissions(\/|$)|\/invite$|\/createLink$/.test(path)) return 5;
  if (path.endsWith('/delta')) return url.searchParams.has('token') ? 1 : 2;
  if (method === 'GET' || method === 'HEAD') return path.endsWith('/children') ? 2 : 1;
  return 2;
}

function batchCost(url: URL, body: unknown): number {
  if (typeof body !== 'string') return 2;
  try {
    const parsed = JSON.parse(body) as { requests?: { method?: string; url?: string }[] };
    const base = new URL(url.href.replace(/\/\$batch$/, '/'));
    let total = 0;
    for (const r of parsed.requests ?? []) {
      total += resourceCost(
        (r.method ?? 'GET').toUpperCase(),
        new URL((r.url ?? '').replace(/^\//, ''), base),
      );
    }
    return Math.max(1, total);
  } catch {
    return 2;
  }
}
