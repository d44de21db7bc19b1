import type { IncomingMessage } from 'node:http';
import { GraphError, invalidRequest } from './errors.js';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * Reads the whole request body. Past `maxBytes` the rest is drained (not buffered) so the 413
 * can still be delivered on a keep-alive connection.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(tooLargeError(maxBytes));
      else resolve(Buffer.concat(chunks, size));
    });
    // A client that hangs up mid-upload is the client's problem, not a handler crash (no 500 log).
    const cutOff = () => reject(new GraphError(400, 'invalidRequest', 'The request body was cut off.'));
    req.on('error', cutOff);
    req.on('close', () => {
      if (!req.complete) cutOff();
    });
  });
}

export function tooLargeError(maxBytes: number): GraphError {
  return new GraphError(413, 'requestEntityTooLarge', `The request body exceeds ${maxBytes} bytes.`);
}

export function parseJsonBody<T>(buf: Buffer): T {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch {
    throw invalidRequest('The request body is not valid JSON.');
  }
}

/** Memoises a body reader so handlers (and the server) can call body() more than once. */
export function onceBody(read: () => Promise<Buffer>): () => Promise<Buffer> {
  let pending: Promise<Buffer> | undefined;
  return () => {
    pending ??= read();
    return pending;
  };
}
