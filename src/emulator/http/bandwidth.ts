import { Transform, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Paces bytes to `bytesPerSec` by cutting chunks into ~100 ms slices and holding each slice until
 * the schedule allows it, so a client sees a slow link rather than a stall and a burst.
 */
export function bandwidthLimit(bytesPerSec: number): Transform {
  const slice = Math.max(1024, Math.floor(bytesPerSec / 10));
  let started = 0;
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      started ||= Date.now();
      (async () => {
        for (let off = 0; off < chunk.length; off += slice) {
          const part = chunk.subarray(off, off + slice);
          this.push(part);
          sent += part.length;
          const wait = started + (sent * 1000) / bytesPerSec - Date.now();
          if (wait > 0) await sleep(wait);
        }
      })().then(() => done(), done);
    },
  });
}
