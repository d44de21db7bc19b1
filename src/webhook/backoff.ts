export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  random?: () => number;
}

/**
 * Exponential delay with ±20% jitter, so drives (and hosts) that failed together do not retry in
 * lockstep against the same endpoint.
 */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  const base = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + 0.4 * (o.random ?? Math.random)()));
}
