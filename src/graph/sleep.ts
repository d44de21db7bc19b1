import { setTimeout as timer } from 'node:timers/promises';

/** Abortable sleep; rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return timer(Math.max(0, ms), undefined, signal ? { signal } : undefined);
}
