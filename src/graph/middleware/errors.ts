import type { Context } from '@microsoft/microsoft-graph-client';
import { callInfo } from '../call-options.js';
import { ClientErrorCode, GraphRequestError } from '../errors.js';
import { TransportError } from '../transport-error.js';
import { Link } from './link.js';

/**
 * Turns the final outcome into the one error type callers handle: an error response (4xx/5xx
 * after retries) or a failure without response. Inner middlewares still see raw responses.
 */
export class ErrorMiddleware extends Link {
  async execute(context: Context): Promise<void> {
    const info = callInfo(context);
    try {
      await this.next.execute(context);
    } catch (err) {
      if (err instanceof GraphRequestError) throw err;
      if (info.signal?.aborted) {
        throw GraphRequestError.noResponse(ClientErrorCode.aborted, undefined, info.method, info.route, err);
      }
      if (err instanceof TransportError) {
        throw GraphRequestError.noResponse(ClientErrorCode.network, err.code, info.method, info.route, err);
      }
      throw err;
    }
    const res = Link.response(context);
    if (res.status >= 400) throw await GraphRequestError.fromResponse(res, info.method, info.route);
  }
}
