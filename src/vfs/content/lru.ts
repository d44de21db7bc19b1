/**
 * Entries in least- to most-recently-used order with a running byte total. A Map keeps insertion
 * order, so "touch" is delete + set and the oldest entry is the first key: O(1) without a list.
 */
export class ByteLru<V> {
  private readonly map = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** The value, marked most recently used. */
  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /** The value without changing its place. */
  peek(key: string): V | undefined {
    return this.map.get(key)?.value;
  }

  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    this.map.set(key, { value, bytes });
    this.total += bytes;
  }

  delete(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.total -= e.bytes;
    return e.value;
  }

  /** Removes least recently used entries until the total is at most `maxBytes`; returns them oldest first. */
  trim(maxBytes: number): Array<[string, V]> {
    const out: Array<[string, V]> = [];
    for (const [key, e] of this.map) {
      if (this.total <= maxBytes) break;
      this.map.delete(key);
      this.total -= e.bytes;
      out.push([key, e.value]);
    }
    return out;
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }
}
