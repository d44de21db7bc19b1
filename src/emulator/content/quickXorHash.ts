import { finishDigest, SHIFT, WIDTH_BITS, WORDS, xorByteAt } from './state160.js';

/** Below this many bytes an update is folded byte by byte; the word path has a fixed ~160-step merge. */
const SMALL_UPDATE = 640;
/** 160 input bytes (one full turn of the shift) as Int32 words. */
const STRIDE_WORDS = WIDTH_BITS / 4;

/**
 * Microsoft's QuickXorHash (OneDrive / SharePoint `file.hashes.quickXorHash`).
 *
 * Byte i is XORed in at bit (11 * i) mod 160, so every byte whose index has the same residue
 * mod 160 lands at the same bit offset. We therefore XOR-fold the input into 160 per-residue
 * byte lanes (40 Int32 words per 160-byte stride, ~memory speed) and only spread the 160
 * lanes across the 160-bit state when a digest is asked for.
 */
export class QuickXorHash {
  private readonly lanes = new Uint8Array(WIDTH_BITS);
  private readonly fold = new Int32Array(STRIDE_WORDS);
  private readonly foldBytes = new Uint8Array(this.fold.buffer);
  private length = 0;

  update(data: Uint8Array): this {
    const n = data.length;
    if (n < SMALL_UPDATE) {
      this.foldBytewise(data, 0, n);
    } else {
      // Int32Array views need 4-byte alignment; the few bytes before it go the slow way.
      const head = (4 - (data.byteOffset & 3)) & 3;
      this.foldBytewise(data, 0, head);
      const strides = Math.floor((n - head) / WIDTH_BITS);
      this.foldStrides(data, head, strides);
      const tail = head + strides * WIDTH_BITS;
      this.foldBytewise(data, tail, n - tail);
    }
    return this;
  }

  digest(): Buffer {
    const words = new Int32Array(WORDS);
    const lanes = this.lanes;
    let pos = 0;
    for (let k = 0; k < WIDTH_BITS; k++) {
      const byte = lanes[k]!;
      if (byte !== 0) xorByteAt(words, 0, byte, pos);
      pos += SHIFT;
      if (pos >= WIDTH_BITS) pos -= WIDTH_BITS;
    }
    return finishDigest(words, this.length);
  }

  digestBase64(): string {
    return this.digest().toString('base64');
  }

  /** Bytes hashed so far. */
  get size(): number {
    return this.length;
  }

  private foldBytewise(data: Uint8Array, from: number, count: number): void {
    const lanes = this.lanes;
    let lane = this.length % WIDTH_BITS;
    for (let i = from, end = from + count; i < end; i++) {
      lanes[lane] ^= data[i]!;
      if (++lane === WIDTH_BITS) lane = 0;
    }
    this.length += count;
  }

  private foldStrides(data: Uint8Array, from: number, strides: number): void {
    if (strides === 0) return;
    const words = new Int32Array(data.buffer, data.byteOffset + from, strides * STRIDE_WORDS);
    const fold = this.fold;
    fold.fill(0);
    for (let base = 0, end = words.length; base < end; base += STRIDE_WORDS) {
      for (let k = 0; k < STRIDE_WORDS; k++) fold[k] ^= words[base + k]!;
    }
    // Folded byte k sits at global index (length + k) mod 160.
    const lanes = this.lanes;
    const foldBytes = this.foldBytes;
    let lane = this.length % WIDTH_BITS;
    for (let k = 0; k < WIDTH_BITS; k++) {
      lanes[lane] ^= foldBytes[k]!;
      if (++lane === WIDTH_BITS) lane = 0;
    }
    this.length += strides * WIDTH_BITS;
  }
}

/** One-shot helper: base64 QuickXorHash of `data`. */
export function quickXorHash(data: Uint8Array): string {
  return new QuickXorHash().update(data).digestBase64();
}
