/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP date. Undefined when absent or
 * unparsable, so callers fall back to their own backoff rather than to zero.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
