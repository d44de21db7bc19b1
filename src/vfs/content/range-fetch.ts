import { type Dispatcher, Pool } from 'undici';
import { parseRetryAfter, USER_AGENT } from '../../graph/index.js';
import { ContentError } from './errors.js';

export interface RangeFetcherOptions {
  /** PEM CA to trust for download hosts (the emulator's); the system store otherwise. */
  caPem?: string;
  /** Keep-alive sockets per download host (default 8). */
  connectionsPerHost?: number;
  /** A silent server is a failed attempt after this long (default 30 s), for headers and between body chunks. */
  timeoutMs?: number;
}

/** One block of a pinned version, as asked of the download URL. */
export interface BlockRequest {
  url: string;
  /** Size of the pinned version. */
  size: number;
  blockSize: number;
  blockNo: number;
  /** Tags the pinned version may be answered with. */
  tags: readonly string[];
  /** When the server ignores the Range and sends the whole file, keep every block if the file is at most this big. */
  keepWholeUpTo: number;
  signal?: AbortSignal;
  /** Told of every body chunk's length as it arrives. */
  onBytes(n: number): void;
}

export interface BlockAnswer {
  /** The requested block, and on a whole-file answer of a small file every other block too. */
  blocks: Map<number, Buffer>;
  rangeIgnored: boolean;
}

/** The download URL was refused (expired, revoked, item gone): get another one. */
export class UrlRefusedError extends Error {
  constructor(readonly status: number) {
    super(`download URL refused with ${status}`);
  }
}

/** The answer belongs to another version; its body was not read. */
export class TagMismatchError extends Error {
  constructor(readonly seen: string | undefined) {
    super(`download answered for version ${seen ?? '(no tag)'}`);
  }
}

/** Worth trying again: connection reset, body cut short, 5xx, 429. */
export class TransientError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 416: the pinned range is not there, so the file the URL serves is not the pinned one. */
export class UnsatisfiableError extends Error {}

/**
 * Range GETs against download hosts through undici Pools (keep-alive, one request per socket at a
 * time), one Pool per origin. Download URLs are pre-authenticated: no Authorization header is sent.
 * Never mentions the URL in an error: it is a credential.
 */
export class RangeFetcher {
  private readonly pools = new Map<string, Pool>();
  private readonly opts: RangeFetcherOptions;

  constructor(opts: RangeFetcherOptions = {}) {
    this.opts = opts;
  }

  async fetchBlock(req: BlockRequest): Promise<BlockAnswer> {
    const start = req.blockNo * req.blockSize;
    const end = Math.min(req.size, start + req.blockSize);
    const u = new URL(req.url);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pool(u.origin).request({
        path: `${u.pathname}${u.search}`,
        method: 'GET',
        headers: { range: `bytes=${start}-${end - 1}`, 'user-agent': USER_AGENT },
        signal: req.signal,
      });
    } catch (err) {
      throw transient(err, req.signal, 'request');
    }
    const { statusCode: status, headers } = res;
    if (status !== 200 && status !== 206) {
      await res.body.dump().catch(() => {});
      throw statusError(status, headers);
    }
    const tag = normTag(header(headers, 'etag'));
    if (tag === undefined || !req.tags.some((t) => normTag(t) === tag)) {
      discard(res.body);
      throw new TagMismatchError(tag);
    }
    if (status === 206) {
      const range = parseContentRange(header(headers, 'content-range'));
      if (!range || range.start !== start || range.end !== end - 1 || range.total !== req.size) {
        discard(res.body);
        throw new ContentError(
          'EIO',
          `download answered another range than asked (${range ? JSON.stringify(range) : 'none'})`,
        );
      }
      const blocks = await collect(res.body, start, start, end, req, false);
      return { blocks, rangeIgnored: false };
    }
    const length = header(headers, 'content-length');
    if (length !== undefined && Number(length) !== req.size) {
      discard(res.body);
      throw new ContentError(
        'EIO',
        `whole-file download has ${length} bytes, the pinned version ${req.size}`,
      );
    }
    const whole = req.size <= req.keepWholeUpTo;
    const blocks = await collect(res.body, 0, whole ? 0 : start, whole ? req.size : end, req, !whole);
    return { blocks, rangeIgnored: true };
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) {
      const timeout = this.opts.timeoutMs ?? 30_000;
      p = new Pool(origin, {
        connections: this.opts.connectionsPerHost ?? 8,
        pipelining: 1,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        ...(this.opts.caPem ? { connect: { ca: this.opts.caPem } } : {}),
      });
      this.pools.set(origin, p);
    }
    return p;
  }
}

/**
 * Copies the body bytes in [from, to) into one buffer per block; `bodyStart` is the file offset of
 * the body's first byte. With `stopEarly` the body is dropped once `to` is reached (a whole file
 * sent for one block). A body that ends before `to` is a transient failure: never a short block.
 */
async function collect(
  body: Dispatcher.ResponseData['body'],
  bodyStart: number,
  from: number,
  to: number,
  req: BlockRequest,
  stopEarly: boolean,
): Promise<Map<number, Buffer>> {
  const bs = req.blockSize;
  const blocks = new Map<number, Buffer>();
  let pos = bodyStart;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      req.onBytes(chunk.length);
      const chunkStart = pos;
      pos += chunk.length;
      for (let at = Math.max(chunkStart, from), stop = Math.min(pos, to); at < stop; ) {
        const b = Math.floor(at / bs);
        const blockStart = b * bs;
        const blockEnd = Math.min(blockStart + bs, to);
        let buf = blocks.get(b);
        if (!buf) {
          buf = Buffer.allocUnsafe(blockEnd - blockStart);
          blocks.set(b, buf);
        }
        const n = Math.min(stop, blockEnd) - at;
        chunk.copy(buf, at - blockStart, at - chunkStart, at - chunkStart + n);
        at += n;
      }
      if (stopEarly && pos >= to) break;
    }
  } catch (err) {
    throw transient(err, req.signal, 'body');
  }
  if (pos < to)
    throw new TransientError(`download body ended after ${pos - bodyStart} bytes, short of ${to}`);
  if (!stopEarly && pos > to) throw new ContentError('EIO', 'download body is longer than its range');
  return blocks;
}

function statusError(status: number, headers: Record<string, string | string[] | undefined>): Error {
  if (status === 401 || status === 403 || status === 404) return new UrlRefusedError(status);
  if (status === 416) return new UnsatisfiableError('download answered 416 for a range of the pinned size');
  if (status === 429 || status >= 500)
    return new TransientError(`download answered ${status}`, parseRetryAfter(header(headers, 'retry-after')));
  return new ContentError('EIO', `download answered ${status}`);
}

function transient(err: unknown, signal: AbortSignal | undefined, where: string): unknown {
  if (signal?.aborted) return err;
  const code = (err as { code?: unknown }).code;
  // Certificate problems do not heal by trying again.
  if (typeof code === 'string' && /CERT|TLS/.test(code))
    return new ContentError('EIO', `download ${where} failed (${code})`, { cause: err });
  return new TransientError(
    `download ${where} failed (${typeof code === 'string' ? code : 'network'})`,
    undefined,
    {
      cause: err,
    },
  );
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A weak validator names the same version as its strong form here: we compare content, not bytes on the wire. */
function normTag(tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

function parseContentRange(v: string | undefined): { start: number; end: number; total: number } | undefined {
  const m = v ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(v.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: Number(m[3]) };
}

/**
 * Drops a body we will not read. Destroying it makes undici emit 'Request aborted' on the
 * stream; without a listener that error is uncaught and takes the process (and a mount) down.
 */
function discard(body: { on(event: 'error', fn: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => {});
  body.destroy();
}
