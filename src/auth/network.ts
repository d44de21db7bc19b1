import {
  AuthError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { Agent, type Dispatcher, request } from 'undici';

export interface NetworkOptions {
  /** PEM CA bundle trusted instead of the system store (the emulator's CA); omit for real Entra ID. */
  caPem?: string;
  /** Overrides `caPem`; the caller keeps ownership. */
  dispatcher?: Dispatcher;
  /** For POSTs, which MSAL sends without a timeout of its own. */
  timeoutMs?: number;
}

/**
 * MSAL's built-in client is global fetch with no way to trust a private CA. This one speaks
 * undici with an explicit CA instead, so the emulator's authority works with certificate checks
 * on. It keeps MSAL's contract: lower-case header names, JSON body, status as sent.
 */
export class UndiciNetworkModule implements INetworkModule {
  private readonly dispatcher: Dispatcher;
  private readonly owned: Agent | undefined;
  private readonly timeoutMs: number;

  constructor(opts: NetworkOptions = {}) {
    this.owned = opts.dispatcher ? undefined : new Agent(opts.caPem ? { connect: { ca: opts.caPem } } : {});
    this.dispatcher = opts.dispatcher ?? this.owned!;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options, undefined);
  }

  async close(): Promise<void> {
    await this.owned?.close();
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeout: number | undefined,
  ): Promise<NetworkResponse<T>> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        dispatcher: this.dispatcher,
        headers: options?.headers,
        body: method === 'POST' ? (options?.body ?? '') : undefined,
        signal: AbortSignal.timeout(timeout ?? this.timeoutMs),
      });
    } catch (err) {
      // The URL and error text are safe (no query secrets in token endpoints); the body never is.
      throw new AuthError('network_error', `${method} ${new URL(url).origin} failed: ${errorText(err)}`);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const text = await res.body.text();
    try {
      return { status: res.statusCode, headers, body: JSON.parse(text) as T };
    } catch {
      throw new AuthError(
        'token_parsing_error',
        `${method} ${new URL(url).origin} answered ${res.statusCode} without JSON`,
      );
    }
  }
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} ${err.message}` : err.message;
}
