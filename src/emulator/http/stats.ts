/** Key for requests no route matched. */
export const UNMATCHED = '(unmatched)';
/** Status recorded for a connection reset on purpose (no response at all). */
export const RESET_STATUS = 0;

export interface StatsFilter {
  /** A route's name (Route.name, or its default `${method} ${prefix}${pattern.source}`). */
  route?: string;
  method?: string;
  status?: number;
  /** Count only requests from inside a $batch (true) or only top-level ones (false). */
  inBatch?: boolean;
}

export interface StatsRow {
  route: string;
  method: string;
  status: number;
  inBatch: boolean;
  count: number;
}

/** Request counts by route, method, status; tests read it to assert e.g. how many delta calls ran. */
export class RequestStats {
  private readonly rows = new Map<string, StatsRow>();

  record(route: string, method: string, status: number, inBatch = false): void {
    const key = `${route}\u0000${method}\u0000${status}\u0000${inBatch}`;
    const row = this.rows.get(key);
    if (row) row.count += 1;
    else this.rows.set(key, { route, method, status, inBatch, count: 1 });
  }

  count(filter: StatsFilter = {}): number {
    let n = 0;
    for (const row of this.rows.values()) {
      if (filter.route !== undefined && row.route !== filter.route) continue;
      if (filter.method !== undefined && row.method !== filter.method) continue;
      if (filter.status !== undefined && row.status !== filter.status) continue;
      if (filter.inBatch !== undefined && row.inBatch !== filter.inBatch) continue;
      n += row.count;
    }
    return n;
  }

  snapshot(): StatsRow[] {
    return [...this.rows.values()].map((row) => ({ ...row }));
  }

  reset(): void {
    this.rows.clear();
  }
}
