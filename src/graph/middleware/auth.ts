import type { Context } from '@microsoft/microsoft-graph-client';
import type { TokenProvider } from '../../auth/index.js';
import { callInfo, setHeader } from '../call-options.js';
import { ClientErrorCode, GraphRequestError } from '../errors.js';
import { isGraphApiPath } from '../route.js';
import { Link } from './link.js';

/** Plain http is tolerated only where nothing leaves the machine (a local test server). */
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Adds the bearer token to Graph API requests of the configured origin only: download and upload
 * URLs are pre-authenticated and must not receive it, and no other host ever should. After a 401
 * the token is dropped and the request is tried once more with a new one.
 */
export class AuthMiddleware extends Link {
  constructor(
    private readonly tokens: TokenProvider,
    private readonly graphOrigin: string,
  ) {
    super();
    const url = new URL(graphOrigin);
    if (url.protocol !== 'https:' && !LOOPBACK.has(url.hostname)) {
      throw new Error(`refusing to send bearer tokens over ${url.protocol} to ${url.hostname}`);
    }
  }

  async execute(context: Context): Promise<void> {
    const info = callInfo(context);
    if (info.url.origin !== this.graphOrigin || !isGraphApiPath(info.url.pathname)) {
      await this.next.execute(context);
      return;
    }
    const first = await this.token(info.method, info.route);
    setHeader(context, 'Authorization', `Bearer ${first}`);
    await this.next.execute(context);
    const res = Link.response(context);
    if (res.status !== 401 || !info.replayable) return;
    await res.body?.cancel().catch(() => {});
    this.tokens.invalidate(first);
    const second = await this.token(info.method, info.route);
    setHeader(context, 'Authorization', `Bearer ${second}`);
    context.response = undefined;
    await this.next.execute(context);
  }

  private async token(method: string, route: string): Promise<string> {
    try {
      return await this.tokens.acquireToken();
    } catch (err) {
      const detail = (err as { errorCode?: unknown }).errorCode;
      throw GraphRequestError.noResponse(
        ClientErrorCode.tokenAcquisition,
        typeof detail === 'string' ? detail : undefined,
        method,
        route,
        err,
      );
    }
  }
}
