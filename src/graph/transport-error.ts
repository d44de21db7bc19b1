/** Where a request without response failed. */
export type TransportPhase = 'connect' | 'exchange' | 'body';

/** Codes that mean the request never left this machine, so even a POST may be sent again. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * No (complete) response: connection refused or reset, socket hang up, or a body cut short.
 * Internal to the middleware chain; callers see it as a GraphRequestError with code networkError.
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly code: string | undefined;
  readonly phase: TransportPhase;

  constructor(phase: TransportPhase, cause: unknown) {
    const code = errorCode(cause);
    super(`${phase} failed${code ? ` (${code})` : ''}`, { cause });
    this.phase = NOT_SENT.has(code ?? '') ? 'connect' : phase;
    this.code = code;
  }
}

function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
