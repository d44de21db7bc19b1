import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { GraphError, graphErrorBody, invalidRequest } from './errors.js';
import type { RequestContext, Route } from './types.js';

export const MAX_BATCH_REQUESTS = 20;

const batchItemSchema = z.object({
  id: z.string().min(1),
  method: z.string().min(1),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  dependsOn: z.array(z.string()).optional(),
});
const batchSchema = z.object({ requests: z.array(batchItemSchema).min(1) });

export type BatchItem = z.infer<typeof batchItemSchema>;

export interface BatchResponseItem {
  id: string;
  status: number;
  headers: Record<string, string>;
  /** JSON bodies as JSON; other bodies base64, as Graph does. */
  body?: unknown;
}

/** Runs one inner request through the server's router with the outer request's credentials. */
export type InnerDispatch = (item: BatchItem, outer: RequestContext) => Promise<BatchResponseItem>;

/** `POST /v1.0/$batch`: the envelope itself costs nothing; each inner request is charged on its own. */
export function batchRoute(dispatchInner: InnerDispatch): Route {
  return {
    method: 'POST',
    prefix: '/v1.0',
    pattern: /^\/\$batch$/,
    auth: 'bearer',
    cost: 0,
    name: '$batch',
    kind: 'graph',
    handler: async (ctx) => {
      if (ctx.batchItemId !== undefined) throw invalidRequest('A batch cannot contain another batch.');
      const items = parseBatch(await ctx.json());
      const responses = await runBatch(items, (item) => dispatchInner(item, ctx));
      return { status: 200, json: { responses } };
    },
  };
}

export function parseBatch(raw: unknown): BatchItem[] {
  const parsed = batchSchema.safeParse(raw);
  if (!parsed.success)
    throw invalidRequest(`Invalid batch payload: ${parsed.error.issues[0]?.message ?? ''}`);
  const items = parsed.data.requests;
  if (items.length > MAX_BATCH_REQUESTS) {
    throw invalidRequest(`A batch may hold at most ${MAX_BATCH_REQUESTS} requests; it has ${items.length}.`);
  }
  const ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.id)) throw invalidRequest(`Duplicate batch request id '${item.id}'.`);
    ids.add(item.id);
    if (/^[a-z][a-z0-9+.-]*:/i.test(item.url))
      throw invalidRequest(`Batch URL '${item.url}' must be relative.`);
  }
  for (const item of items) {
    for (const dep of item.dependsOn ?? []) {
      if (!ids.has(dep)) throw invalidRequest(`Request '${item.id}' depends on unknown id '${dep}'.`);
    }
  }
  assertAcyclic(items);
  return items;
}

/**
 * Independent requests run concurrently; a dependant starts when its dependencies finished and
 * gets 424 without running when any of them failed. Responses are listed in completion order.
 */
export async function runBatch(
  items: BatchItem[],
  run: (item: BatchItem) => Promise<BatchResponseItem>,
): Promise<BatchResponseItem[]> {
  const byId = new Map(items.map((item) => [item.id, item]));
  const started = new Map<string, Promise<BatchResponseItem>>();
  const completed: BatchResponseItem[] = [];
  const start = (id: string): Promise<BatchResponseItem> => {
    let p = started.get(id);
    if (p) return p;
    const item = byId.get(id)!;
    p = (async () => {
      const deps = await Promise.all((item.dependsOn ?? []).map(start));
      const response = deps.some((d) => d.status >= 400) ? failedDependency(item.id) : await run(item);
      completed.push(response);
      return response;
    })();
    started.set(id, p);
    return p;
  };
  await Promise.all(items.map((item) => start(item.id)));
  return completed;
}

function failedDependency(id: string): BatchResponseItem {
  const err = new GraphError(424, 'failedDependency', 'A request this one depends on failed.');
  return {
    id,
    status: 424,
    headers: { 'Content-Type': 'application/json' },
    body: graphErrorBody(err, randomUUID()),
  };
}

function assertAcyclic(items: BatchItem[]): void {
  const deps = new Map(items.map((item) => [item.id, item.dependsOn ?? []]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw invalidRequest(`Batch dependencies form a cycle at '${id}'.`);
    state.set(id, 'visiting');
    for (const dep of deps.get(id)!) visit(dep);
    state.set(id, 'done');
  };
  for (const item of items) visit(item.id);
}
