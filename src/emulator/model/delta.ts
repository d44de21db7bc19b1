import type { Drive } from './drive.js';
import type { EmItem } from './item.js';

/**
 * Where a delta conversation stands. Encoded into opaque tokens; clients never see inside.
 * `cursor` = last log seq already delivered; `since` = during a full enumeration, the seq at
 * which it started (tombstones after it must be sent, older ones not).
 */
export interface DeltaCursor {
  driveId: string;
  cursor: number;
  /** Full enumeration in progress (nextLink) or finished state (deltaLink). */
  mode: 'enum' | 'inc' | 'done';
  since: number;
  /**
   * The drive's `minValidSeq` when the conversation began: a later `invalidateTokens` raises it,
   * and every token of an older conversation answers 410 (its restart link is newer, so it works).
   * Absent in tokens of emulator builds before it: those count as older than any invalidation.
   */
  epoch?: number;
  issuedAt: number;
  select: string[] | null;
  top: number;
  instance: string;
}

export function encodeCursor(c: DeltaCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** null for anything this emulator did not issue: the route answers 400 then. */
export function decodeCursor(token: string): DeltaCursor | null {
  let c: DeltaCursor;
  try {
    c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaCursor;
  } catch {
    return null;
  }
  if (typeof c !== 'object' || c === null) return null;
  const selectOk =
    c.select === null || (Array.isArray(c.select) && c.select.every((k) => typeof k === 'string'));
  const ok =
    typeof c.driveId === 'string' &&
    typeof c.instance === 'string' &&
    (c.mode === 'enum' || c.mode === 'inc' || c.mode === 'done') &&
    isCount(c.cursor) &&
    isCount(c.since) &&
    (c.epoch === undefined || isCount(c.epoch)) &&
    isCount(c.issuedAt) &&
    isCount(c.top) &&
    c.top >= 1 &&
    selectOk;
  return ok ? c : null;
}

export interface PageOptions {
  /** Items to deliver at most in this page (0 = an empty page that still moves on). */
  pageSize: number;
  /**
   * Hard bound ($top): the parents sent with a changed item may overflow a small `pageSize`
   * when the item comes first in its page, never this.
   */
  maxItems: number;
  /** Log entries to look at before giving up on this page; bounds work per request. */
  maxScan: number;
  excludeParents: boolean;
  /** Reorders the page: children may come before parents, as Graph gives no order. */
  shuffle: (items: EmItem[]) => void;
}

export interface Page {
  items: EmItem[];
  cursor: number;
  done: boolean;
}

/** One page of the feed: the latest state of each item changed after `cursor`, plus parents. */
export function deltaPage(drive: Drive, state: DeltaCursor, opts: PageOptions): Page {
  const out: EmItem[] = [];
  const latest = drive.latestSeq;
  const full = state.mode === 'enum';
  const parentsSent = new Set<string>();
  let i = state.cursor + 1;
  let scanned = 0;
  const pageSize = Math.min(opts.pageSize, opts.maxItems);
  while (i <= latest && out.length < pageSize && scanned < opts.maxScan) {
    const item = drive.log[i]!;
    if (item.seq === i && !(full && item.deleted && i <= state.since)) {
      const parents = full || opts.excludeParents ? [] : unsentAncestors(drive, item, parentsSent);
      // An item travels with its parents: if they do not fit, it waits for the next page.
      if (out.length > 0 && out.length + 1 + parents.length > pageSize) break;
      out.push(item);
      for (const p of parents) {
        if (out.length >= opts.maxItems) break;
        parentsSent.add(p.id);
        out.push(p);
      }
    }
    i++;
    scanned++;
  }
  opts.shuffle(out);
  return { items: out, cursor: i - 1, done: i > latest };
}

/** Ancestors once per page: the root still comes back on every page, as on Graph. */
function unsentAncestors(drive: Drive, item: EmItem, sent: Set<string>): EmItem[] {
  const out: EmItem[] = [];
  let p = item.parentId ? drive.items.get(item.parentId) : undefined;
  while (p && !p.deleted && !sent.has(p.id)) {
    out.push(p);
    p = p.parentId ? drive.items.get(p.parentId) : undefined;
  }
  return out;
}
