import { Readable } from 'node:stream';
import { MAX_VIEW_LENGTH, patternBytes, patternView, PATTERN_LENGTH as Q } from './pattern.js';

/**
 * Seeded content: a file is `{ size, phase }` and byte i is T[(i + phase) mod Q]. Nothing is
 * stored per file, yet every byte range is reproducible and cheap to serve.
 */
export interface SeededContent {
  size: number;
  /** In [0, Q). */
  phase: number;
}

/**
 * Successive versions step the phase by about Q / golden ratio, so consecutive versions look
 * unrelated. It is coprime with Q (= 2^5 * 5 * 6553), so versions less than Q apart never share
 * a phase.
 */
const VERSION_STEP = 647_997;

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function requireInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer, got ${value}`);
}

/** Phase of one version of one item; deterministic in (seed, itemKey, version). */
export function phaseFor(seed: number, itemKey: string | number, version: number): number {
  requireInteger('seed', seed);
  requireInteger('version', version);
  let h = fmix32((seed ^ Math.floor(seed / 0x1_0000_0000) ^ 0x5bd1e995) | 0);
  if (typeof itemKey === 'number') {
    requireInteger('itemKey', itemKey);
    h = fmix32(h ^ itemKey);
    h = fmix32(h ^ Math.floor(itemKey / 0x1_0000_0000) ^ 0x27d4eb2f);
  } else {
    // FNV-1a over UTF-16 code units, then a finaliser so short keys still spread over [0, Q).
    for (let i = 0; i < itemKey.length; i++) h = Math.imul(h ^ itemKey.charCodeAt(i), 0x01000193);
    h = fmix32(h ^ itemKey.length ^ 0x165667b1);
  }
  const base = (h >>> 0) % Q;
  const v = ((version % Q) + Q) % Q;
  return (base + v * VERSION_STEP) % Q;
}

/** Validates [start, endInclusive] against size, clamping the end like an HTTP Range; returns the length. */
function rangeLength(phase: number, size: number, start: number, endInclusive: number): number {
  requireInteger('size', size);
  requireInteger('start', start);
  requireInteger('endInclusive', endInclusive);
  if (!Number.isInteger(phase) || phase < 0 || phase >= Q)
    throw new RangeError(`phase out of range: ${phase}`);
  if (size < 0 || start < 0 || start > size) throw new RangeError(`start ${start} outside [0, ${size}]`);
  return Math.max(0, Math.min(endInclusive, size - 1) - start + 1);
}

/**
 * Bytes [start, endInclusive] (end clamped to size - 1) of the file `{ size, phase }`.
 * Up to MAX_VIEW_LENGTH (~2 MB) this is a zero-copy view of the shared pattern and MUST NOT be
 * written to (it would corrupt every file); larger ranges, or callers that need to modify the
 * bytes, get a copy (use copySeeded for the latter).
 */
export function readSeeded(phase: number, size: number, start = 0, endInclusive = size - 1): Buffer {
  const length = rangeLength(phase, size, start, endInclusive);
  if (length <= MAX_VIEW_LENGTH) return patternView((start + phase) % Q, length);
  const out = Buffer.allocUnsafe(length);
  fill(out, 0, (start + phase) % Q, length);
  return out;
}

/**
 * Copies bytes [start, start + length) of the file into target at targetStart (length defaults
 * to what fits in both); returns the number of bytes copied.
 */
export function copySeeded(
  phase: number,
  size: number,
  start: number,
  target: Uint8Array,
  targetStart = 0,
  length = target.length - targetStart,
): number {
  const n = rangeLength(phase, size, start, start + Math.min(length, target.length - targetStart) - 1);
  fill(target, targetStart, (start + phase) % Q, n);
  return n;
}

function fill(target: Uint8Array, at: number, offset: number, length: number): void {
  const pattern = patternBytes();
  while (length > 0) {
    const n = Math.min(length, MAX_VIEW_LENGTH);
    target.set(pattern.subarray(offset, offset + n), at);
    at += n;
    length -= n;
    offset = (offset + n) % Q;
  }
}

export interface SeededStreamOptions {
  /** Caps throughput (fault injection: slow links); unlimited when absent or <= 0. */
  bytesPerSecond?: number;
  /** Largest chunk pushed; default 64 KiB. */
  chunkSize?: number;
}

/** Readable body for bytes [start, endInclusive] (end clamped to size - 1); chunks are shared read-only views. */
export function seededStream(
  phase: number,
  size: number,
  start = 0,
  endInclusive = size - 1,
  opts: SeededStreamOptions = {},
): Readable {
  const length = rangeLength(phase, size, start, endInclusive);
  return new SeededReadable((start + phase) % Q, length, opts);
}

class SeededReadable extends Readable {
  private readonly chunk: number;
  private readonly rate: number;
  private offset: number;
  private left: number;
  private sent = 0;
  private startedAt = -1;
  private timer: NodeJS.Timeout | undefined;

  constructor(offset: number, length: number, opts: SeededStreamOptions) {
    const rate = opts.bytesPerSecond && opts.bytesPerSecond > 0 ? opts.bytesPerSecond : 0;
    let chunk = Math.max(1, Math.min(opts.chunkSize ?? 64 * 1024, MAX_VIEW_LENGTH));
    // Under a cap, keep each chunk to ~50 ms of transfer so the pacing stays smooth.
    if (rate) chunk = Math.max(1, Math.min(chunk, Math.floor(rate / 20)));
    super({ highWaterMark: chunk });
    this.chunk = chunk;
    this.rate = rate;
    this.offset = offset;
    this.left = length;
  }

  override _read(): void {
    if (this.timer === undefined) this.pump();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    cb(err);
  }

  private pump(): void {
    for (;;) {
      if (this.left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(this.chunk, this.left);
      if (this.rate) {
        // Each chunk is released when the whole transfer so far would have taken that long at
        // the cap; measuring from the start (not per chunk) keeps timer lateness from adding up.
        const now = performance.now();
        if (this.startedAt < 0) this.startedAt = now;
        const wait = this.startedAt + ((this.sent + n) / this.rate) * 1000 - now;
        if (wait >= 1) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            if (!this.destroyed) this.pump();
          }, wait);
          return;
        }
      }
      const view = patternView(this.offset, n);
      this.offset = (this.offset + n) % Q;
      this.left -= n;
      this.sent += n;
      if (!this.push(view)) return;
    }
  }
}
