/**
 * Graph's error shape: {"error":{"code","message","innerError":{"code"?,"date","request-id"}}}.
 * Thrown by handlers; the server turns it into the reply.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
    readonly headers: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export function graphErrorBody(err: GraphError, requestId: string): unknown {
  const innerError: Record<string, unknown> = { date: new Date().toISOString(), 'request-id': requestId };
  if (err.innerCode) innerError.code = err.innerCode;
  return { error: { code: err.code, message: err.message, innerError } };
}

export const notFound = (what = 'The resource could not be found.') =>
  new GraphError(404, 'itemNotFound', what);
export const invalidRequest = (what: string) => new GraphError(400, 'invalidRequest', what);
