import type { ServerResponse } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import { bandwidthLimit } from './bandwidth.js';
import type { EmulatorLog } from './log.js';
import type { Reply } from './types.js';

export interface WriteOptions {
  /** Headers every reply carries (request-id, client-request-id). */
  headers: Record<string, string>;
  /** Send the announced length only in part, then drop the connection. */
  truncate: boolean;
  /** Pace raw bodies (not JSON) to this many bytes/s; 0 = full speed. */
  bandwidthBytesPerSec: number;
  log: EmulatorLog;
}

const NO_BODY = new Set([204, 304]);

/** Writes a Reply. Resolves once the response is finished or the connection is gone; never rejects. */
export async function writeReply(res: ServerResponse, reply: Reply, opts: WriteOptions): Promise<void> {
  // Lower-cased so a handler's 'content-length' and ours cannot both go out.
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries({ ...reply.headers, ...opts.headers }))
    headers[name.toLowerCase()] = value;
  let body: Buffer | Readable | undefined;
  if (reply.json !== undefined) {
    body = Buffer.from(JSON.stringify(reply.json));
    headers['content-type'] ??= 'application/json';
  } else if (typeof reply.body === 'string') {
    body = Buffer.from(reply.body);
  } else {
    body = reply.body;
  }
  if (body === undefined || NO_BODY.has(reply.status)) {
    if (body instanceof Readable) body.destroy();
    res.writeHead(reply.status, headers).end();
    return;
  }
  if (Buffer.isBuffer(body)) headers['content-length'] = body.length;
  const paced = reply.json === undefined && opts.bandwidthBytesPerSec > 0;
  if (Buffer.isBuffer(body) && !paced && !opts.truncate) {
    res.writeHead(reply.status, headers).end(body);
    return;
  }
  res.writeHead(reply.status, headers);
  const cutAt = opts.truncate ? truncationPoint(Number(headers['content-length'])) : undefined;
  let source: Readable = Buffer.isBuffer(body) ? Readable.from([body]) : body;
  if (paced) {
    source = pipeline(source, bandwidthLimit(opts.bandwidthBytesPerSec), () => {});
  }
  await pump(res, source, cutAt, opts.log);
}

/** Half of a known length; with chunked encoding, everything but the terminating chunk. */
function truncationPoint(length: number): number {
  return Number.isFinite(length) ? Math.floor(length / 2) : Number.POSITIVE_INFINITY;
}

async function pump(res: ServerResponse, source: Readable, cutAt: number | undefined, log: EmulatorLog) {
  let written = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (cutAt !== undefined && written + chunk.length >= cutAt) {
        await flush(res, chunk.subarray(0, cutAt - written));
        res.socket?.destroy();
        return;
      }
      written += chunk.length;
      if (!res.write(chunk) && !(await drained(res))) return;
    }
  } catch (err) {
    log.warn({ err }, 'reply body stream failed; dropping the connection');
    res.destroy();
    return;
  }
  if (cutAt !== undefined) res.socket?.destroy();
  else res.end();
}

/** True once the socket wants more, false if the client went away. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** Resolves when `chunk` has been handed to the socket, so a following destroy does not swallow it. */
function flush(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (chunk.length === 0 || res.destroyed) return resolve();
    res.once('close', () => resolve());
    res.write(chunk, () => resolve());
  });
}
