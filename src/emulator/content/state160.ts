/**
 * QuickXorHash's 160-bit state as five little-endian 32-bit words, so that writing the
 * words LE yields the 20-byte digest directly: bit k lives in byte k >> 3 and word k >> 5.
 * Int32Array keeps every value a small integer in V8 (no heap numbers on the hot paths).
 */

export const WIDTH_BITS = 160;
export const WORDS = 5;
/** Each byte lands 11 bits further along than the one before it. */
export const SHIFT = 11;

/** XORs `byte` into `words` at bit `pos` (0..159), wrapping bits past 159 round to bit 0. */
export function xorByteAt(words: Int32Array, base: number, byte: number, pos: number): void {
  const w = pos >>> 5;
  const b = pos & 31;
  words[base + w] ^= byte << b;
  // A byte that starts in a word's top 7 bits spills into the next word (word 4 spills into word 0).
  if (b > 24) words[base + (w === 4 ? 0 : w + 1)] ^= byte >>> (32 - b);
}

/** out = in rotated right by r bits (bit k of out = bit (k + r) mod 160 of in). */
export function rotr160(src: Int32Array, out: Int32Array, r: number): void {
  const q = r >>> 5;
  const b = r & 31;
  for (let i = 0; i < WORDS; i++) {
    const lo = src[(i + q) % WORDS]!;
    out[i] = b === 0 ? lo : (lo >>> b) | (src[(i + q + 1) % WORDS]! << (32 - b));
  }
}

/** Folds the total length (64-bit LE) into bytes 12..19 and serialises the 20-byte digest. */
export function finishDigest(words: Int32Array, length: number): Buffer {
  const out = Buffer.allocUnsafe(20);
  for (let i = 0; i < 3; i++) out.writeInt32LE(words[i]!, i * 4);
  // `>>> 0` is ToUint32, i.e. length mod 2^32, exact for any safe integer.
  out.writeUInt32LE((words[3]! ^ (length >>> 0)) >>> 0, 12);
  out.writeUInt32LE((words[4]! ^ Math.floor(length / 0x1_0000_0000)) >>> 0, 16);
  return out;
}
