import { QuickXorHash } from '../content/index.js';
import { GraphError } from '../http/errors.js';
import type { Reply, RequestContext, Route } from '../http/types.js';
import type { ConflictBehavior, Drive } from '../model/drive.js';
import type { EmItem } from '../model/item.js';
import { toDriveItem } from '../model/serialize.js';
import type { Tenant } from '../model/tenant.js';
import { signClaims, verifyClaims } from '../signed-urls.js';
import { type EmulatorState, findDrive } from '../state.js';
import type { UploadSession, UploadSessions } from '../upload-sessions.js';
import {
  driveFromParams,
  itemRoute,
  parseItemAddress,
  resolveItem,
  resolveParentAndName,
} from './address.js';
import { byOf } from './items.js';
import { conflictBehavior, header } from './query.js';
import { serializeContext } from './serialize-context.js';

const PUT_CONTENT = itemRoute('/content');
const CREATE_SESSION = itemRoute('/createUploadSession');

export const SIMPLE_UPLOAD_LIMIT = 4 * 1024 * 1024;
const FRAGMENT_UNIT = 320 * 1024;
const FRAGMENT_MAX = 60 * 1024 * 1024;

interface Target {
  /** The item the address names by id: its content is replaced, whatever conflictBehavior says. */
  targetId: string | null;
  /** The item of that name, if any (by id: the target itself). */
  existing: EmItem | null;
  parentId: string;
  name: string;
}

/** The address names an existing file to replace, or a parent and a new name. */
function target(drive: Drive, rest: string): Target {
  const addr = parseItemAddress(rest);
  if (!addr.path) {
    const item = resolveItem(drive, addr);
    if (item.children) throw new GraphError(400, 'invalidRequest', 'Cannot upload content to a folder.');
    return { targetId: item.id, existing: item, parentId: item.parentId!, name: item.name };
  }
  const { parent, name } = resolveParentAndName(drive, addr);
  return { targetId: null, existing: drive.childOf(parent, name) ?? null, parentId: parent.id, name };
}

/**
 * Stores uploaded bytes: over `targetId`, or as `name` in `parentId` under `conflict`. Answers
 * the item, 201 when a file was created.
 */
function saveFile(
  state: EmulatorState,
  tenant: Tenant,
  drive: Drive,
  dest: { targetId: string | null; parentId: string; name: string; conflict?: ConflictBehavior },
  data: Buffer,
  opts: { by: string; ifMatch: string | undefined },
): Reply {
  const o = { ...opts, hash: new QuickXorHash().update(data).digestBase64() };
  const content = { kind: 'stored' as const, data };
  const { item, created } = dest.targetId
    ? { item: drive.setContent(dest.targetId, content, data.length, o), created: false }
    : drive.putFile(dest.parentId, dest.name, content, data.length, { ...o, conflict: dest.conflict });
  return {
    status: created ? 201 : 200,
    json: toDriveItem(serializeContext(state, tenant, drive, true), item, 'item'),
  };
}

/** Simple PUT uploads and resumable upload sessions. */
export function uploadRoutes(state: EmulatorState, sessions: UploadSessions): Route[] {
  const sessionUrl = (s: UploadSession) =>
    `${state.baseUrl}/_upload/${signClaims(state.urlKey, { s: s.id })}`;
  const sessionJson = (s: UploadSession) => ({
    uploadUrl: sessionUrl(s),
    expirationDateTime: new Date(s.expiresAt).toISOString(),
    nextExpectedRanges: [s.total === null ? `${s.received}-` : `${s.received}-${s.total - 1}`],
  });
  const findSession = (ctx: RequestContext): UploadSession => {
    const claims = verifyClaims<{ s: string }>(state.urlKey, ctx.params.token!);
    const session = claims && sessions.get(claims.s);
    if (!session) throw new GraphError(404, 'itemNotFound', 'The upload session was not found.');
    return session;
  };

  return [
    {
      method: 'PUT',
      prefix: '/v1.0',
      pattern: PUT_CONTENT,
      auth: 'bearer',
      cost: 2,
      handler: async (ctx) => {
        const { tenant, drive } = driveFromParams(state, ctx);
        const body = await ctx.body();
        if (body.length > SIMPLE_UPLOAD_LIMIT) {
          throw new GraphError(
            413,
            'requestTooLarge',
            'Simple uploads are limited to 4 MiB; use an upload session.',
          );
        }
        const t = target(drive, ctx.params.rest!);
        const conflict = t.targetId
          ? undefined
          : conflictBehavior(ctx.url.searchParams.get('@microsoft.graph.conflictBehavior'), 'replace');
        return saveFile(state, tenant, drive, { ...t, conflict }, Buffer.from(body), {
          by: byOf(ctx),
          ifMatch: header(ctx, 'if-match'),
        });
      },
    },
    {
      method: 'POST',
      prefix: '/v1.0',
      pattern: CREATE_SESSION,
      auth: 'bearer',
      cost: 2,
      handler: async (ctx) => {
        const { tenant, drive } = driveFromParams(state, ctx);
        const raw = (await ctx.body()).length ? await ctx.json<{ item?: Record<string, unknown> }>() : {};
        const t = target(drive, ctx.params.rest!);
        const conflict = conflictBehavior(raw.item?.['@microsoft.graph.conflictBehavior'], 'replace');
        const ifMatch = header(ctx, 'if-match');
        if (ifMatch && ifMatch !== '*' && !t.existing) {
          throw new GraphError(412, 'resourceModified', 'The item does not exist.', 'entityTagDoesNotMatch');
        }
        if (t.existing) drive.checkIfMatch(t.existing, ifMatch);
        if (t.existing && conflict === 'fail') {
          throw new GraphError(
            409,
            'nameAlreadyExists',
            `The specified item name already exists. Name: ${t.name}`,
          );
        }
        const session = sessions.create({
          tenantId: tenant.id,
          driveId: drive.id,
          parentId: t.parentId,
          name: t.name,
          targetId: t.targetId,
          conflict,
          ifMatch,
          expiresAt: Date.now() + state.behaviour.uploadSessionTtlMs,
        });
        return { status: 200, json: sessionJson(session) };
      },
    },
    {
      method: 'GET',
      prefix: '',
      pattern: /^\/_upload\/(?<token>[^/]+)$/,
      auth: 'none',
      handler: (ctx) => ({ status: 200, json: sessionJson(findSession(ctx)) }),
    },
    {
      method: 'DELETE',
      prefix: '',
      pattern: /^\/_upload\/(?<token>[^/]+)$/,
      auth: 'none',
      handler: (ctx) => {
        sessions.delete(findSession(ctx).id);
        return { status: 204 };
      },
    },
    {
      method: 'PUT',
      prefix: '',
      pattern: /^\/_upload\/(?<token>[^/]+)$/,
      auth: 'none',
      handler: async (ctx) => {
        if (ctx.headers.authorization) {
          throw new GraphError(
            401,
            'unauthenticated',
            'Upload URLs are pre-authenticated; send no Authorization header.',
          );
        }
        const session = findSession(ctx);
        const range = parseContentRange(header(ctx, 'content-range'));
        const body = await ctx.body();
        if (body.length !== range.end - range.start + 1) {
          throw new GraphError(400, 'invalidRequest', 'Content-Length does not match Content-Range.');
        }
        if (session.total !== null && range.total !== session.total) {
          throw new GraphError(400, 'invalidRequest', 'The total size changed during the session.');
        }
        if (range.start !== session.received) {
          throw new GraphError(416, 'invalidRange', `Expected a fragment starting at ${session.received}.`);
        }
        const last = range.end === range.total - 1;
        if (body.length > FRAGMENT_MAX)
          throw new GraphError(413, 'requestTooLarge', 'Fragments must be smaller than 60 MiB.');
        if (!last && body.length % FRAGMENT_UNIT !== 0) {
          throw new GraphError(
            400,
            'invalidRequest',
            'Fragments must be a multiple of 320 KiB, except the last.',
          );
        }
        session.total = range.total;
        session.chunks.push(Buffer.from(body));
        session.received += body.length;
        session.expiresAt = Date.now() + state.behaviour.uploadSessionTtlMs;
        if (!last) return { status: 202, json: sessionJson(session) };
        try {
          return commit(state, sessions, session, ctx);
        } catch (err) {
          // The final fragment can be sent again once the client has dealt with the conflict.
          session.chunks.pop();
          session.received -= body.length;
          throw err;
        }
      },
    },
  ];
}

function commit(
  state: EmulatorState,
  sessions: UploadSessions,
  session: UploadSession,
  ctx: RequestContext,
): Reply {
  const found = findDrive(state, session.driveId);
  if (!found) throw new GraphError(404, 'itemNotFound', 'The drive is gone.');
  // A failed commit (409, 412) leaves the session in place, as Graph does, so the client can decide.
  const reply = saveFile(state, found.tenant, found.drive, session, Buffer.concat(session.chunks), {
    by: byOf(ctx),
    ifMatch: session.ifMatch,
  });
  sessions.delete(session.id);
  return reply;
}

export function parseContentRange(raw: string | undefined): { start: number; end: number; total: number } {
  const m = raw && /^bytes (\d+)-(\d+)\/(\d+)$/.exec(raw.trim());
  if (!m)
    throw new GraphError(
      400,
      'invalidRequest',
      'A Content-Range header "bytes start-end/total" is required.',
    );
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (end < start || end >= total)
    throw new GraphError(416, 'invalidRange', 'The Content-Range is not valid.');
  return { start, end, total };
}
