import { Agent, request } from 'undici';

export interface OutboundResponse {
  status: number;
  contentType: string;
  body: string;
}

export type CaOption = string | Buffer | Array<string | Buffer>;

/**
 * The emulator's HTTP client towards webhook receivers. One agent, so close() can cut every
 * in-flight request at once; the time limit covers the whole response, body included.
 */
export class OutboundHttp {
  private readonly agent: Agent;
  private readonly closing = new AbortController();

  constructor(opts: { ca?: CaOption } = {}) {
    this.agent = new Agent({ connect: opts.ca ? { ca: opts.ca } : {} });
  }

  /** Rejects on connection errors, on timeout (err.name 'TimeoutError') and after close(). */
  async post(url: string, body: string, contentType: string, timeoutMs: number): Promise<OutboundResponse> {
    const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(timeoutMs)]);
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
      dispatcher: this.agent,
      signal,
    });
    const text = await res.body.text();
    const ct = res.headers['content-type'];
    return { status: res.statusCode, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '', body: text };
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.agent.destroy();
  }
}
