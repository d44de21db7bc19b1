import { invalidRequest } from './errors.js';
import type { Route, RouteKind } from './types.js';

export interface RouteMatch {
  route: Route;
  /** The path below the route's prefix. */
  path: string;
  params: Record<string, string>;
}

export type RouteLookup =
  | { found: RouteMatch }
  /** The path exists under other methods (405 with an Allow header). */
  | { allowed: string[] }
  | { notFound: true };

/**
 * First route (in registration order) whose prefix and whole-path pattern match. HEAD falls back
 * to GET routes; node:http then drops the body.
 */
export function findRoute(routes: readonly Route[], method: string, pathname: string): RouteLookup {
  const allowed = new Set<string>();
  let headFallback: RouteMatch | undefined;
  for (const route of routes) {
    const path = underPrefix(pathname, route.prefix);
    if (path === undefined) continue;
    const m = route.pattern.exec(path);
    if (m?.index !== 0 || m[0].length !== path.length) continue;
    if (route.method === method) return { found: { route, path, params: decodeParams(m.groups) } };
    if (method === 'HEAD' && route.method === 'GET' && !headFallback) {
      headFallback = { route, path, params: decodeParams(m.groups) };
    }
    allowed.add(route.method);
  }
  if (headFallback) return { found: headFallback };
  return allowed.size > 0 ? { allowed: [...allowed] } : { notFound: true };
}

/** '/v1.0' owns '/v1.0' and '/v1.0/...', never '/v1.0x'. */
function underPrefix(pathname: string, prefix: string): string | undefined {
  if (prefix === '') return pathname;
  if (pathname === prefix) return '';
  return pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : undefined;
}

function decodeParams(groups: Record<string, string | undefined> | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, raw] of Object.entries(groups ?? {})) {
    if (raw === undefined) continue;
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      throw invalidRequest(`Malformed percent-encoding in '${raw}'.`);
    }
  }
  return params;
}

/** Where the control API is mounted by convention; its routes must never be faulted by default. */
export const CONTROL_PREFIX = '/_control';

export function routeKind(route: Route): RouteKind {
  if (route.kind) return route.kind;
  if (route.prefix === '/v1.0') return 'graph';
  return route.prefix === CONTROL_PREFIX ? 'control' : 'content';
}

export function routeName(route: Route): string {
  return route.name ?? `${route.method} ${route.prefix}${route.pattern.source}`;
}
