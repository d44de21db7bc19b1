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
  issuedAt: number;
  select: string[] | null;
  top: number;
  instance: string;
}

export function encodeCursor(c: DeltaCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(token: string): DeltaCursor | null {
  try {
    const c = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaCursor;
    if (typeof c.cursor !== 'number' || typeof c.driveId !== 'string') return null;
    return c;
  } catch {
    return null;
  }
}

export interface PageOptions {
  /** Items to deliver at most in this page (0 = an empty page that still moves on). */
  pageSize: number;
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
  while (i <= latest && out.length < opts.pageSize && scanned < opts.maxScan) {
    const item = drive.log[i]!;
    if (item.seq === i && !(full && item.deleted && i <= state.since)) {
      out.push(item);
      if (!full && !opts.excludeParents) pushAncestors(drive, item, out, parentsSent);
    }
    i++;
    scanned++;
  }
  opts.shuffle(out);
  return { items: out, cursor: i - 1, done: i > latest };
}

/** Ancestors once per page: the root still comes back on every page, as on Graph. */
function pushAncestors(drive: Drive, item: EmItem, out: EmItem[], sent: Set<string>): void {
  let p = item.parentId ? drive.items.get(item.parentId) : undefined;
  while (p && !p.deleted && !sent.has(p.id)) {
    sent.add(p.id);
    out.push(p);
    p = p.parentId ? drive.items.get(p.parentId) : undefined;
  }
}
