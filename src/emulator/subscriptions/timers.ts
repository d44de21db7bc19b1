/**
 * Timers that never keep the process alive (unref) and that close() cancels together;
 * a cancelled sleep resolves false so the waiting loop can stop.
 */
export class Timers {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  get isClosed(): boolean {
    return this.closed;
  }

  after(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.closed) return undefined;
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, ms);
    t.unref();
    this.pending.set(t, () => {});
    return t;
  }

  cancel(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.pending.delete(t);
  }

  every(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setInterval(fn, ms);
    t.unref();
    this.pending.set(t, () => {});
  }

  sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pending.delete(t);
        resolve(true);
      }, ms);
      t.unref();
      this.pending.set(t, () => resolve(false));
    });
  }

  close(): void {
    this.closed = true;
    for (const [t, onCancel] of this.pending) {
      clearTimeout(t);
      onCancel();
    }
    this.pending.clear();
  }
}
