/**
 * Exponential backoff with "equal jitter": the step `firstMs · 2^(attempt-1)`, capped at `maxMs`,
 * half fixed and half random, so retries spread out but never bunch at zero. `attempt` counts
 * from 1. Graph calls, delta rounds and content reads all back off this way.
 */
export function backoffDelay(attempt: number, firstMs: number, maxMs: number): number {
  const step = Math.min(maxMs, firstMs * 2 ** (attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}
