import { GraphError } from '../http/errors.js';
import type { RequestContext } from '../http/types.js';
import type { ConflictBehavior } from '../model/drive.js';

export function conflictBehavior(raw: unknown, fallback: ConflictBehavior): ConflictBehavior {
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === 'fail' || raw === 'replace' || raw === 'rename') return raw;
  throw new GraphError(400, 'invalidRequest', `Invalid conflictBehavior '${String(raw)}'.`);
}

export function topParam(ctx: RequestContext, fallback: number, max: number): number {
  const raw = ctx.url.searchParams.get('$top');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new GraphError(400, 'invalidRequest', `Invalid $top '${raw}'.`);
  return Math.min(n, max);
}

export function header(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}
