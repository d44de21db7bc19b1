import { GraphError } from '../http/errors.js';
import type { Reply, RequestContext, Route } from '../http/types.js';
import { type DeltaCursor, decodeCursor, deltaPage, encodeCursor } from '../model/delta.js';
import type { Drive } from '../model/drive.js';
import type { EmItem } from '../model/item.js';
import { applySelect, parseSelect, toDriveItem } from '../model/serialize.js';
import type { EmulatorState } from '../state.js';
import { DRIVE_PREFIX, driveFromParams } from './address.js';
import { header, topParam } from './query.js';
import { serializeContext } from './serialize-context.js';

const DELTA = new RegExp(`^/${DRIVE_PREFIX}/(?:root|items/(?<itemId>[^/:]+))/delta$`);

/** The delta feed, with Graph's token semantics and its awkward parts on purpose. */
export function deltaRoutes(state: EmulatorState): Route[] {
  return [
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: DELTA,
      name: 'delta',
      auth: 'bearer',
      cost: (ctx) => (ctx.url.searchParams.has('token') ? 1 : 2),
      handler: (ctx) => deltaHandler(state, ctx),
    },
  ];
}

function deltaHandler(state: EmulatorState, ctx: RequestContext): Reply {
  const { tenant, drive } = driveFromParams(state, ctx);
  if (ctx.params.itemId && ctx.params.itemId !== drive.root.id) {
    throw new GraphError(400, 'notSupported', 'Delta is only supported on the root of a document library.');
  }
  const base = `${state.baseUrl}/v1.0/drives/${drive.id}/root/delta`;
  const rawToken = ctx.url.searchParams.get('token');
  const counts = state.deltaCounts.get(drive.id) ?? { fresh: 0, withToken: 0, itemsWithToken: 0 };
  state.deltaCounts.set(drive.id, counts);
  if (rawToken === null) counts.fresh++;
  else counts.withToken++;
  const now = Date.now();
  let cursor: DeltaCursor;
  if (rawToken === null) {
    cursor = fresh(state, drive, ctx, now);
  } else if (rawToken === 'latest') {
    const c = { ...fresh(state, drive, ctx, now), mode: 'done' as const, cursor: drive.latestSeq };
    return { status: 200, json: { value: [], '@odata.deltaLink': link(base, c) } };
  } else if (/^\d{4}-\d\d-\d\dT/.test(rawToken)) {
    const time = Date.parse(rawToken);
    if (Number.isNaN(time)) throw new GraphError(400, 'invalidRequest', 'Invalid timestamp token.');
    cursor = { ...fresh(state, drive, ctx, now), mode: 'inc', cursor: drive.seqAfterTime(time) - 1 };
  } else {
    const decoded = decodeCursor(rawToken);
    if (!decoded || decoded.driveId !== drive.id)
      throw new GraphError(400, 'invalidRequest', 'Invalid delta token.');
    cursor = decoded;
    if (cursor.mode === 'done') cursor = { ...cursor, mode: 'inc' };
  }

  const expired =
    rawToken !== null &&
    (cursor.instance !== state.instance ||
      (cursor.epoch ?? 0) < drive.minValidSeq ||
      now - cursor.issuedAt > state.behaviour.deltaTokenRetentionMs);
  if (expired || (rawToken !== null && state.misbehave.takeForcedResync())) {
    const restart: DeltaCursor = { ...fresh(state, drive, ctx, now), select: cursor.select, top: cursor.top };
    throw new GraphError(
      410,
      'resyncRequired',
      "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last sync'd. Upload any local changes that the server doesn't know about.",
      'resyncApplyDifferences',
      { Location: link(base, restart) },
    );
  }

  const rand = state.misbehave.random;
  const r = rand();
  // Page sizes vary as Graph's do: mostly near $top, sometimes tiny, sometimes empty.
  const pageSize =
    r < state.behaviour.deltaEmptyPageRatio
      ? 0
      : r < 0.1
        ? Math.min(cursor.top, 1 + Math.floor(rand() * 10))
        : Math.ceil(cursor.top * (0.5 + rand() / 2));
  const page = deltaPage(drive, cursor, {
    pageSize,
    maxItems: cursor.top,
    maxScan: Math.max(pageSize * 4, 64),
    excludeParents: /deltaExcludeParent/i.test(header(ctx, 'prefer') ?? ''),
    shuffle: (items) => shuffle(items, rand),
  });
  const sctx = serializeContext(state, tenant, drive, false, cursor.select);
  const value = page.items.map((item: EmItem) =>
    applySelect(toDriveItem(sctx, item, 'delta'), cursor.select),
  );
  if (rawToken !== null) counts.itemsWithToken += value.length;
  const next: DeltaCursor = { ...cursor, cursor: page.cursor, issuedAt: now };
  const json: Record<string, unknown> = { value };
  if (page.done) json['@odata.deltaLink'] = link(base, { ...next, mode: 'done' });
  else json['@odata.nextLink'] = link(base, next);
  return { status: 200, json };
}

function fresh(state: EmulatorState, drive: Drive, ctx: RequestContext, now: number): DeltaCursor {
  return {
    driveId: drive.id,
    cursor: 0,
    mode: 'enum',
    since: drive.latestSeq,
    epoch: drive.minValidSeq,
    issuedAt: now,
    select: parseSelect(ctx.url.searchParams.get('$select')),
    top: topParam(ctx, state.behaviour.deltaPageSize, state.behaviour.deltaMaxPageSize),
    instance: state.instance,
  };
}

function link(base: string, c: DeltaCursor): string {
  return `${base}?token=${encodeCursor(c)}`;
}

function shuffle<T>(items: T[], rand: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
