import { type Dispatcher, Pool } from 'undici';
import { parseRetryAfter, USER_AGENT } from '../../graph/index.js';
import { ContentError } from './errors.js';

/** Body bytes undici buffers before pausing the socket (its default is 64 KiB). */
const HIGH_WATER_MARK = 2 ** 20;

export interface RangeFetcherOptions {
  /** PEM CA to trust for download hosts (the emulator's); the system store otherwise. */
  caPem?: string;
  /** Keep-alive sockets per download host (default 8). */
  connectionsPerHost?: number;
  /** A silent server is a failed attempt after this long (default 30 s), for headers and between body chunks. */
  timeoutMs?: number;
}

/** What every range GET of a pinned version carries besides its range. */
export interface PinnedGet {
  url: string;
  /** Size of the pinned version. */
  size: number;
  blockSize: number;
  /** Tags the pinned version may be answered with. */
  tags: readonly string[];
  /** When the server ignores the Range and sends the whole file, keep every block if the file is at most this big. */
  keepWholeUpTo: number;
  signal?: AbortSignal;
  /**
   * Called with each block as soon as its last byte arrived, in file order: a reader waiting for
   * the first block of a long range does not wait for the rest. Blocks outside the range asked for
   * come only from a whole-file answer of a small file. The buffer is reused for the next block:
   * copy what you keep before returning.
   */
  onBlock(blockNo: number, buf: Buffer): void;
  /** Told of every body chunk's length as it arrives. */
  onBytes(n: number): void;
}

/** Consecutive blocks [first, last] of a pinned version, asked of the download URL in one range GET. */
export interface RangeRequest extends PinnedGet {
  first: number;
  last: number;
}

/** Where a span's bytes go: file bytes [from, to) into `target` at `at`. */
export interface SpanCopy {
  from: number;
  to: number;
  target: Buffer;
  at: number;
}

/**
 * Bytes [start, end) of a pinned version in one range GET, for a read that wants no whole block:
 * the body's bytes in [copy.from, copy.to) are copied to `copy.target` as they arrive.
 */
export interface SpanRequest extends PinnedGet {
  start: number;
  end: number;
  copy: SpanCopy;
}

export interface RangeAnswer {
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

  /**
   * One GET for blocks [first, last]. Every block handed to `onBlock` is complete and belongs to
   * the pinned version (the tag is checked before the body is read); when this throws, the blocks
   * already handed over stay good and the caller asks again for the rest only.
   */
  async fetchRange(req: RangeRequest): Promise<RangeAnswer> {
    const start = req.first * req.blockSize;
    const end = Math.min(req.size, (req.last + 1) * req.blockSize);
    const res = await this.send(req, start, end);
    if (res.statusCode === 206) {
      await collect(res.body, start, start, end, req, false);
      return { rangeIgnored: false };
    }
    const whole = req.size <= req.keepWholeUpTo;
    await collect(res.body, 0, whole ? 0 : start, whole ? req.size : end, req, !whole);
    return { rangeIgnored: true };
  }

  /**
   * One GET for bytes [start, end), copied into the caller's buffer as they arrive (no block is
   * made). The same checks as fetchRange: the tag before the body, the range of a 206, the length
   * of a 200. A 200 of a small file is split into blocks for onBlock, and the span copied from them.
   */
  async fetchSpan(req: SpanRequest): Promise<RangeAnswer> {
    const res = await this.send(req, req.start, req.end);
    const { from: copyFrom, to: copyTo, target, at } = req.copy;
    const copy = (chunk: Buffer, chunkStart: number) => {
      const from = Math.max(chunkStart, copyFrom);
      const to = Math.min(chunkStart + chunk.length, copyTo);
      if (from < to) chunk.copy(target, at + from - copyFrom, from - chunkStart, to - chunkStart);
    };
    if (res.statusCode === 206) {
      await drain(res.body, req.start, req.end, false, req.signal, req.onBytes, copy);
      return { rangeIgnored: false };
    }
    if (req.size > req.keepWholeUpTo) {
      await drain(res.body, 0, req.end, true, req.signal, req.onBytes, copy);
      return { rangeIgnored: true };
    }
    const onBlock = (n: number, buf: Buffer) => {
      copy(buf, n * req.blockSize);
      req.onBlock(n, buf);
    };
    await collect(res.body, 0, 0, req.size, { ...req, onBlock }, false);
    return { rangeIgnored: true };
  }

  /**
   * Sends the GET for [start, end) and checks the answer before its body is read: a 200 or 206
   * with one of the pinned tags, a 206 for exactly that range, a 200 of the pinned size.
   */
  private async send(req: PinnedGet, start: number, end: number): Promise<Dispatcher.ResponseData> {
    const { size, tags, signal } = req;
    const u = new URL(req.url);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pool(u.origin).request({
        path: `${u.pathname}${u.search}`,
        method: 'GET',
        headers: { range: `bytes=${start}-${end - 1}`, 'user-agent': USER_AGENT },
        signal,
        // Fewer, larger chunks reach us: less per-chunk work on the hot path.
        highWaterMark: HIGH_WATER_MARK,
      });
    } catch (err) {
      throw transient(err, signal, 'request');
    }
    const { statusCode: status, headers } = res;
    if (status !== 200 && status !== 206) {
      await res.body.dump().catch(() => {});
      throw statusError(status, headers);
    }
    const tag = normTag(header(headers, 'etag'));
    if (tag === undefined || !tags.some((t) => normTag(t) === tag)) {
      discard(res.body);
      throw new TagMismatchError(tag);
    }
    if (status === 206) {
      const range = parseContentRange(header(headers, 'content-range'));
      if (!range || range.start !== start || range.end !== end - 1 || range.total !== size) {
        discard(res.body);
        throw new ContentError(
          'EIO',
          `download answered another range than asked (${range ? JSON.stringify(range) : 'none'})`,
        );
      }
      return res;
    }
    const length = header(headers, 'content-length');
    if (length !== undefined && Number(length) !== size) {
      discard(res.body);
      throw new ContentError('EIO', `whole-file download has ${length} bytes, the pinned version ${size}`);
    }
    return res;
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
 * Copies the body bytes in [from, to) into one buffer per block and hands each block over once it
 * is full; `bodyStart` is the file offset of the body's first byte. With `stopEarly` the body is
 * dropped once `to` is reached (a whole file sent for one range). A body that ends before `to` is
 * a transient failure: never a short block.
 */
function collect(
  body: Dispatcher.ResponseData['body'],
  bodyStart: number,
  from: number,
  to: number,
  req: PinnedGet,
  stopEarly: boolean,
): Promise<void> {
  const bs = req.blockSize;
  // One buffer for every block of the answer: each is handed over (and copied) before the next fills it.
  const scratch = Buffer.allocUnsafe(Math.min(bs, Math.max(0, to - from)));
  let block: Buffer | undefined;
  let blockNo = -1;
  let filled = 0;
  return drain(body, bodyStart, to, stopEarly, req.signal, req.onBytes, (chunk, chunkStart) => {
    const pos = chunkStart + chunk.length;
    for (let at = Math.max(chunkStart, from), stop = Math.min(pos, to); at < stop; ) {
      if (block === undefined) {
        blockNo = Math.floor(at / bs);
        const blockStart = blockNo * bs;
        block = scratch.subarray(0, Math.min(blockStart + bs, req.size) - blockStart);
        filled = at - blockStart;
      }
      const n = Math.min(stop - at, block.length - filled);
      chunk.copy(block, filled, at - chunkStart, at - chunkStart + n);
      filled += n;
      at += n;
      if (filled === block.length) {
        const done = block;
        block = undefined;
        req.onBlock(blockNo, done);
      }
    }
  });
}

/**
 * Hands each body chunk to `take` with the file offset of its first byte, until the body ends
 * (short of `to`: a transient failure) or, with `stopEarly`, until `to` is reached (the rest is
 * dropped). Chunks are taken as the stream emits them ('data'), not through an async iterator,
 * which would concatenate buffered chunks into fresh memory.
 */
function drain(
  body: Dispatcher.ResponseData['body'],
  bodyStart: number,
  to: number,
  stopEarly: boolean,
  signal: AbortSignal | undefined,
  onBytes: (n: number) => void,
  take: (chunk: Buffer, chunkStart: number) => void,
): Promise<void> {
  let pos = bodyStart;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onData = (chunk: Buffer) => {
      try {
        onBytes(chunk.length);
        const chunkStart = pos;
        pos += chunk.length;
        take(chunk, chunkStart);
        if (pos >= to) {
          if (stopEarly) {
            finish();
            discard(body);
          } else if (pos > to) {
            finish(new ContentError('EIO', 'download body is longer than its range'));
            discard(body);
          }
        }
      } catch (err) {
        finish(err);
        discard(body);
      }
    };
    const onEnd = () => {
      if (pos < to)
        finish(new TransientError(`download body ended after ${pos - bodyStart} bytes, short of ${to}`));
      else finish();
    };
    const onError = (err: unknown) => finish(transient(err, signal, 'body'));
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('error', onError);
  });
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
