/**
 * The one pseudo-random pattern T that every seeded file is a rotation of.
 *
 * Q is a multiple of 160 so that QuickXorHash's per-byte bit shift (11 * i mod 160) repeats
 * with T, which is what makes the O(1) hash in seededHash.ts possible. It is deliberately not
 * a divisor of 1 MiB: a client that reads at a wrong block offset gets different bytes.
 */
export const PATTERN_LENGTH = 160 * 6553; // 1,048,480

/**
 * T is kept three times back to back so that any window of up to 2Q bytes (so any 1 MiB
 * read, which is slightly longer than Q) is one contiguous view, never a copy.
 */
const COPIES = 3;
export const MAX_VIEW_LENGTH = (COPIES - 1) * PATTERN_LENGTH;

/** Fixed so that content and hashes are identical across processes and runs. */
const PATTERN_SEED = 0x6d2b79f5;

let pattern: Buffer | undefined;

/** T repeated COPIES times; built on first use (a few ms). Must never be written to. */
export function patternBytes(): Buffer {
  if (pattern) return pattern;
  const words = new Int32Array(PATTERN_LENGTH / 4);
  // Weyl sequence + murmur3 finaliser: plenty random for test content and very fast.
  let s = PATTERN_SEED;
  for (let i = 0; i < words.length; i++) {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    words[i] = z ^ (z >>> 16);
  }
  // Host byte order; every hash is derived from these bytes, so that only matters across hosts.
  const once = new Uint8Array(words.buffer);
  const all = Buffer.allocUnsafeSlow(COPIES * PATTERN_LENGTH);
  for (let c = 0; c < COPIES; c++) all.set(once, c * PATTERN_LENGTH);
  pattern = all;
  return all;
}

/** Read-only view of `length` (<= MAX_VIEW_LENGTH) bytes of T starting at `offset` (< Q). */
export function patternView(offset: number, length: number): Buffer {
  return patternBytes().subarray(offset, offset + length);
}
