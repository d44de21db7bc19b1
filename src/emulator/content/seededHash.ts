import { patternBytes, PATTERN_LENGTH as Q } from './pattern.js';
import { finishDigest, rotr160, SHIFT, WIDTH_BITS, WORDS } from './state160.js';

/**
 * QuickXorHash of seeded content in O(1), without touching the file's bytes.
 *
 * Let c(j) = rotl160(T[j mod Q], 11j). Since 160 divides Q, c has period Q, and byte i of a file
 * with phase p contributes rotl160(T[(i + p) mod Q], 11i) = rotr160(c(i + p), 11p). So the
 * file's unlengthed state is rotr160(A(p + n) ^ A(p), 11p) with A(m) = XOR of c(j) for j < m,
 * and A(m) = P[m mod Q] ^ (floor(m / Q) odd ? P[Q] : 0) for the prefix table P.
 */

let prefix: Int32Array | undefined;
let buildMs = 0;

/** P[r] (5 words at r * 5) = XOR of c(j) for j < r, r in [0, Q]: ~21 MB, built on first use. */
function prefixTable(): Int32Array {
  if (prefix) return prefix;
  const started = performance.now();
  const t = patternBytes();
  const table = new Int32Array((Q + 1) * WORDS);
  // Running state in locals (not a row copy or typed-array scratch): the loop runs a million
  // times and is bound by writing the 21 MB table.
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  let w4 = 0;
  let pos = 0;
  for (let j = 0, at = WORDS; j < Q; j++, at += WORDS) {
    const byte = t[j]!;
    const b = pos & 31;
    const lo = byte << b;
    // A byte starting in a word's top 7 bits spills into the next word (word 4 into word 0).
    const hi = b > 24 ? byte >>> (32 - b) : 0;
    switch (pos >>> 5) {
      case 0:
        w0 ^= lo;
        w1 ^= hi;
        break;
      case 1:
        w1 ^= lo;
        w2 ^= hi;
        break;
      case 2:
        w2 ^= lo;
        w3 ^= hi;
        break;
      case 3:
        w3 ^= lo;
        w4 ^= hi;
        break;
      default:
        w4 ^= lo;
        w0 ^= hi;
    }
    table[at] = w0;
    table[at + 1] = w1;
    table[at + 2] = w2;
    table[at + 3] = w3;
    table[at + 4] = w4;
    pos += SHIFT;
    if (pos >= WIDTH_BITS) pos -= WIDTH_BITS;
  }
  prefix = table;
  buildMs = performance.now() - started;
  return table;
}

/** Builds the prefix table now (e.g. at emulator start) and returns how long that took in ms. */
export function warmSeededHash(): number {
  prefixTable();
  return buildMs;
}

const span = new Int32Array(WORDS);
const rotated = new Int32Array(WORDS);

/** Base64 QuickXorHash of the seeded file `{ size, phase }`. */
export function seededQuickXorHash(phase: number, size: number): string {
  return seededQuickXorDigest(phase, size).toString('base64');
}

/** The raw 20-byte digest behind seededQuickXorHash. */
export function seededQuickXorDigest(phase: number, size: number): Buffer {
  if (!Number.isInteger(phase) || phase < 0 || phase >= Q)
    throw new RangeError(`phase out of range: ${phase}`);
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad size: ${size}`);
  const p = prefixTable();
  const end = phase + size;
  const laps = Math.floor(end / Q);
  const at = (end - laps * Q) * WORDS;
  const from = phase * WORDS;
  const full = Q * WORDS;
  const odd = laps % 2 === 1;
  for (let i = 0; i < WORDS; i++) {
    span[i] = p[from + i]! ^ p[at + i]! ^ (odd ? p[full + i]! : 0);
  }
  rotr160(span, rotated, (SHIFT * phase) % WIDTH_BITS);
  return finishDigest(rotated, size);
}
