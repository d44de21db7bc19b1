import type { IncomingMessage } from 'node:http';

/**
 * The request body, or 'tooLarge' as soon as it is known to exceed `limit` (from Content-Length
 * before reading anything, else while counting). After 'tooLarge' the rest is drained unread so
 * the 413 can still reach a client that is busy sending.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'tooLarge'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve('tooLarge');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        chunks.length = 0;
        req.resume();
        resolve('tooLarge');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
