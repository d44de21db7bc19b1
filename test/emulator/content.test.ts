import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import {
  copySeeded,
  MAX_VIEW_LENGTH,
  phaseFor,
  PATTERN_LENGTH as Q,
  QuickXorHash,
  quickXorHash,
  readSeeded,
  seededQuickXorDigest,
  seededQuickXorHash,
  seededStream,
  warmSeededHash,
} from '../../src/emulator/content/index.js';
import { mulberry32 } from '../../src/emulator/http/random.js';

/** [input base64, QuickXorHash base64]: the published vectors of rclone's backend/onedrive/quickxorhash. */
const VECTORS: [string, string][] = [
  ['', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
  ['Sg==', 'SgAAAAAAAAAAAAAAAQAAAAAAAAA='],
  ['tbQ=', 'taAFAAAAAAAAAAAAAgAAAAAAAAA='],
  ['0pZP', '0rDEEwAAAAAAAAAAAwAAAAAAAAA='],
  ['jRRDVA==', 'jaDAEKgAAAAAAAAABAAAAAAAAAA='],
  ['eAV52qE=', 'eChAHrQRCgAAAAAABQAAAAAAAAA='],
  ['luBZlaT6', 'lgBHFipBCn0AAAAABgAAAAAAAAA='],
  ['qaApEj66lw==', 'qQBFCiTgA11cAgAABwAAAAAAAAA='],
  ['/aNzzCFPS/A=', '/RjFHJgRgicsAR4ACAAAAAAAAAA='],
  ['n6Neh7p6fFgm', 'nxiFFw6hCz3wAQsmCQAAAAAAAAA='],
  ['J9iPGCbfZSTNyw==', 'J8DGIzBggm+UgQTNUgYAAAAAAAA='],
  ['i+UZyUGJKh+ISbk=', 'iyhHBpIRhESo4AOIQ0IuAAAAAAA='],
  ['h490d57Pqz5q2rtT', 'h3gEHe7giWeswgdq3MYupgAAAAA='],
  ['vPgoDjOfO6fm71RxLw==', 'vMAHChwwg0/s4BTmdQcV4vACAAA='],
  ['XoJ1AsoR4fDYJrDqYs4=', 'XhBEHQSgjAiEAx7YPgEs1CEGZwA='],
  ['gQaybEqS/4UlDc8e4IJm', 'gDCALNigBEn8oxAlZ8AzPAAOQZg='],
  ['2fuxhBJXtpWFe8dOfdGeHw==', 'O9tHLAghgSvYohKFyMMxnNCHaHg='],
  ['XBV6YKU9V7yMakZnFIxIkuU=', 'HbplHsBQih5cgReMQYMRzkABRiA='],
  ['XJZSOiNO2bmfKnTKD7fztcQX', '/6ZArHQwAidkIxefQgEdlPGAW8w='],
  ['g8VtAh+2Kf4k0kY5tzji2i2zmA==', 'wDNrgwHWAVukwB8kg4YRcnALHIg='],
  ['T6LYJIfDh81JrAK309H2JMJTXis=', 'zBTHrspn3mEcohlJdIUAbjGNaNg='],
  ['DWAAX5/CIfrmErgZa8ot6ZraeSbu', 'LR2Z0PjuRYGKQB/mhQAuMrAGZbQ='],
  ['N9abi3qy/mC1THZuVLHPpx7SgwtLOA==', '1KTYttCBEen8Hwy1doId3ECFWDw='],
  ['LlUe7wHerLqEtbSZLZgZa9u0m7hbiFs=', 'TqVZpxs3cN61BnuFvwUtMtECTGQ='],
  ['bU2j/0XYdgfPFD4691jV0AOUEUPR4Z5E', 'bnLBiLpVgnxVkXhNsIAPdHAPLFQ='],
  ['lScPwPsyUsH2T1Qsr31wXtP55Wqbe47Uyg==', 'VDMSy8eI26nBHCB0e8gVWPCKPsA='],
  ['rJaKh1dLR1k+4hynliTZMGf8Nd4qKKoZiAM=', 'r7bjwkl8OYQeNaMcCY8fTmEJEmQ='],
  ['pPsT0CPmHrd3Frsnva1pB/z1ytARLeHEYRCo', 'Rdg7rCcDomL59pL0s6GuTvqLVqQ='],
  ['wSRChaqmrsnMrfB2yqI43eRWbro+f9kBvh+01w==', 'YTtloIi6frI7HX3vdLvE7I2iUOA='],
  ['apL67KMIRxQeE9k1/RuW09ppPjbF1WeQpTjSWtI=', 'CIpedls+ZlSQ654fl+X26+Q7LVU='],
  ['53yx0/QgMTVb7OOzHRHbkS7ghyRc+sIXxi7XHKgT', 'zfJtLGFgR9DB3Q64fAFIp+S5iOY='],
  ['PwXNnutoLLmxD8TTog52k8cQkukmT87TTnDipKLHQw==', 'PTaGs7yV3FUyBy/SfU6xJRlCJlI='],
  ['NbYXsp5/K6mR+NmHwExjvWeWDJFnXTKWVlzYHoesp2E=', 'wjuAuWDiq04qDt1R8hHWDDcwVoQ='],
  ['qQ70RB++JAR5ljNv3lJt1PpqETPsckopfonItu18Cr3E', 'FkJaeg/0Z5+euShYlLpE2tJh+Lo='],
  ['RhzSatQTQ9/RFvpHyQa1WLdkr3nIk6MjJUma998YRtp44A==', 'SPN2D29reImAqJezlqV2DLbi8tk='],
  ['DND1u1uZ5SqZVpRUk6NxSUdVo7IjjL9zs4A1evDNCDLcXWc=', 'S6lBk2hxI2SWBfn7nbEl7D19UUs='],
  ['jEi62utFz69JMYHjg1iXy7oO6ZpZSLcVd2B+pjm6BGsv/CWi', 's0lYU9tr/bp9xsnrrjYgRS5EvV8='],
  ['hfS3DZZnhy0hv7nJdXLv/oJOtIgAuP9SInt/v8KeuO4/IvVh4A==', 'CV+HQCdd2A/e/vdi12f2UU55GLA='],
  ['EkPQAC6ymuRrYjIXD/LT/4Vb+7aTjYVZOHzC8GPCEtYDP0+T3Nc=', 'kE9H9sEmr3vHBYUiPbvsrcDgSEo='],
  ['vtBOGIENG7yQ/N7xNWPNIgy66Gk/I2Ur/ZhdFNUK9/1FCZuu/KeS', '+Fgp3HBimtCzUAyiinj3pkarYTk='],
  ['YnF4smoy9hox2jBlJ3VUa4qyCRhOZbWcmFGIiszTT4zAdYHsqJazyg==', 'arkIn+ELddmE8N34J9ydyFKW+9w='],
  [
    'jyibxJSzO6ZiZ0O1qe3tG/bvIAYssvukh9suIT5wEy1JBINVgPiqdsTW0cOpP0aUfP7mgqLfADkz' +
      'I/m/GgCuVhr8oFLrOCoTx1/psBOWwhltCbhUx51Icm9aH8tY4Z3ccU+6BKpYQkLCy0B/A9Zc',
    'hZfLIilSITC6N3e3tQ/iSgEzkto=',
  ],
  [
    'ikwCorI7PKWz17EI50jZCGbV9JU2E8bXVfxNMg5zdmqSZ2NlsQPp0kqYIPjzwTg1MBtfWPg53k0h' +
      '0P2naJNEVgrqpoHTfV2b3pJ4m0zYPTJmUX4Bg/lOxcnCxAYKU29Y5F0U8Quz7ZXFBEweftXxJ7RS' +
      '4r6N7BzJrPsLhY7hgck=',
    'imAoFvCWlDn4yVw3/oq1PDbbm6U=',
  ],
  [
    'PfxMcUd0vIW6VbHG/uj/Y0W6qEoKmyBD0nYebEKazKaKG+UaDqBEcmQjbfQeVnVLuodMoPp7P7TR' +
      '1htX5n2VnkHh22xDyoJ8C/ZQKiSNqQfXvh83judf4RVr9exJCud8Uvgip6aVZTaPrJHVjQhMCp/d' +
      'EnGvqg0oN5OVkM2qqAXvA0teKUDhgNM71sDBVBCGXxNOR2bpbD1iM4dnuT0ey4L+loXEHTL0fqMe' +
      'UcEi2asgImnlNakwenDzz0x57aBwyq3AspCFGB1ncX4yYCr/OaCcS5OKi/00WH+wNQU3',
    'QX/YEpG0gDsmhEpCdWhsxDzsfVE=',
  ],
  [
    'qwGf2ESubE5jOUHHyc94ORczFYYbc2OmEzo+hBIyzJiNwAzC8PvJqtTzwkWkSslgHFGWQZR2BV5+' +
      'uYTrYT7HVwRM40vqfj0dBgeDENyTenIOL1LHkjtDKoXEnQ0mXAHoJ8PjbNC93zi5TovVRXTNzfGE' +
      's5dpWVqxUzb5lc7dwkyvOluBw482mQ4xrzYyIY1t+//OrNi1ObGXuUw2jBQOFfJVj2Y6BOyYmfB1' +
      'y36eBxi3zxeG5d5NYjm2GSh6e08QMAwu3zrINcqIzLOuNIiGXBtl7DjKt7b5wqi4oFiRpZsCyx2s' +
      'mhSrdrtK/CkdU6nDN+34vSR/M8rZpWQdBE7a8g==',
    'WYT9JY3JIo/pEBp+tIM6Gt2nyTM=',
  ],
  [
    'w0LGhqU1WXFbdavqDE4kAjEzWLGGzmTNikzqnsiXHx2KRReKVTxkv27u3UcEz9+lbMvYl4xFf2Z4' +
      'aE1xRBBNd1Ke5C0zToSaYw5o4B/7X99nKK2/XaUX1byLow2aju2XJl2OpKpJg+tSJ2fmjIJTkfuY' +
      'Uz574dFX6/VXxSxwGH/xQEAKS5TCsBK3CwnuG1p5SAsQq3gGVozDWyjEBcWDMdy8/AIFrj/y03Lf' +
      'c/RNRCQTAfZbnf2QwV7sluw4fH3XJr07UoD0YqN+7XZzidtrwqMY26fpLZnyZjnBEt1FAZWO7RnK' +
      'G5asg8xRk9YaDdedXdQSJAOy6bWEWlABj+tVAigBxavaluUH8LOj+yfCFldJjNLdi90fVHkUD/m4' +
      'Mr5OtmupNMXPwuG3EQlqWUVpQoYpUYKLsk7a5Mvg6UFkiH596y5IbJEVCI1Kb3D1',
    'e3+wo77iKcILiZegnzyUNcjCdoQ=',
  ],
];

/** Straight from the definition, one bit at a time: slow, but shares nothing with the implementation. */
function referenceQuickXor(data: Uint8Array): string {
  const state = new Uint8Array(20);
  for (let i = 0; i < data.length; i++) {
    const at = (11 * i) % 160;
    for (let b = 0; b < 8; b++) {
      if ((data[i]! >> b) & 1) {
        const k = (at + b) % 160;
        state[k >> 3]! ^= 1 << (k & 7);
      }
    }
  }
  let n = BigInt(data.length);
  for (let j = 12; j < 20; j++, n >>= 8n) state[j]! ^= Number(n & 0xffn);
  return Buffer.from(state).toString('base64');
}

/** Deterministic integers in [0, n), so that failures reproduce. */
function rng(seed: number): (n: number) => number {
  const next = mulberry32(seed);
  return (n) => Math.floor(next() * n);
}

/** An odd-offset copy, so the hash sees a view that is not 4-byte aligned. */
function misaligned(data: Uint8Array, by: number): Buffer {
  const holder = Buffer.alloc(data.length + 8);
  holder.set(data, by);
  return holder.subarray(by, by + data.length);
}

/** Full content by the definition byte i = T[(i + phase) mod Q], T taken as the phase-0 file. */
function naiveContent(phase: number, size: number): Buffer {
  const t = Buffer.from(readSeeded(0, Q));
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = t[(i + phase) % Q]!;
  return out;
}

async function drain(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('QuickXorHash', () => {
  it('matches the published vectors', () => {
    for (const [input, expected] of VECTORS) {
      const data = Buffer.from(input, 'base64');
      assert.equal(new QuickXorHash().update(data).digestBase64(), expected, `length ${data.length}`);
      assert.equal(quickXorHash(misaligned(data, 3)), expected, `length ${data.length}, misaligned`);
    }
  });

  it('vectors include the 160-bit wrap and the word path', () => {
    const lengths = VECTORS.map(([input]) => Buffer.from(input, 'base64').length);
    assert.ok(lengths.includes(0) && lengths.includes(1) && Math.max(...lengths) === 333);
  });

  it('digest() is 20 bytes and the bit-level reference agrees on the vectors', () => {
    assert.equal(new QuickXorHash().digest().length, 20);
    for (const [input, expected] of VECTORS) {
      assert.equal(referenceQuickXor(Buffer.from(input, 'base64')), expected);
    }
  });

  it('equals the bit-level reference on random inputs, including the strided path', () => {
    const next = rng(1);
    for (const n of [159, 160, 161, 639, 640, 641, 800, 4093, 20_000, 70_001]) {
      const data = misaligned(randomBytes(n), next(4));
      assert.equal(quickXorHash(data), referenceQuickXor(data), `length ${n}`);
    }
  });

  it('incremental updates at odd split points equal one-shot', () => {
    const next = rng(2);
    for (let round = 0; round < 40; round++) {
      const data = randomBytes(next(50_000));
      const oneShot = quickXorHash(data);
      const h = new QuickXorHash();
      for (let at = 0; at < data.length; ) {
        const step = round % 2 ? 1 + next(3000) : [1, 7, 159, 161, 641, 1023][next(6)]!;
        h.update(data.subarray(at, at + step));
        at += step;
      }
      assert.equal(h.digestBase64(), oneShot, `round ${round}, length ${data.length}`);
      assert.equal(h.size, data.length);
    }
  });

  it('digest() does not end the hash', () => {
    const data = randomBytes(5000);
    const h = new QuickXorHash().update(data.subarray(0, 1234));
    h.digest();
    h.update(data.subarray(1234));
    assert.equal(h.digestBase64(), quickXorHash(data));
  });
});

describe('seeded content', () => {
  it('is pinned: same bytes and hashes in every process', () => {
    assert.equal(readSeeded(0, 16).toString('hex'), 'a3890c1e90ed789a16cf161f18727f95');
    assert.equal(seededQuickXorHash(0, Q), 'rfYa/UjDaZ/RaKi9b4R1e/lOuGo=');
    assert.equal(seededQuickXorHash(1234, 1_000_000), 'u6/iawPITWawFmTS9th93J+Votc=');
    assert.equal(phaseFor(1, 'abc', 0), 763597);
    assert.equal(phaseFor(1, 42, 3), 595732);
  });

  it('byte i is T[(i + phase) mod Q]', () => {
    for (const [phase, size] of [
      [0, 10],
      [Q - 1, 300],
      [Q - 5000, 3 * Q + 7],
      [777, 2 * Q + 5],
    ] as const) {
      assert.ok(readSeeded(phase, size).equals(naiveContent(phase, size)), `phase ${phase}, size ${size}`);
    }
  });

  it('any range equals the same slice of the full content', async () => {
    const next = rng(3);
    for (let round = 0; round < 30; round++) {
      const phase = round < 5 ? Q - 1 - round : next(Q);
      const size = next(3 * Q);
      const full = naiveContent(phase, size);
      const start = next(size + 1);
      const end = start + next(Math.min(size - start + 10, MAX_VIEW_LENGTH + 100_000));
      const want = full.subarray(start, Math.min(end, size - 1) + 1);
      assert.ok(
        readSeeded(phase, size, start, end).equals(want),
        `readSeeded ${phase} ${size} ${start} ${end}`,
      );
      const target = Buffer.alloc(want.length + 3);
      assert.equal(copySeeded(phase, size, start, target, 3, end - start + 1), want.length);
      assert.ok(target.subarray(3).equals(want), 'copySeeded');
      if (round % 5 === 0) {
        const streamed = await drain(seededStream(phase, size, start, end, { chunkSize: 1 + next(70_000) }));
        assert.ok(streamed.equals(want), 'seededStream');
      }
    }
  });

  it('rejects ranges outside the file', () => {
    assert.throws(() => readSeeded(0, 10, 11, 20), RangeError);
    assert.throws(() => readSeeded(0, 10, -1, 5), RangeError);
    assert.throws(() => readSeeded(Q, 10), RangeError);
    assert.equal(readSeeded(5, 10, 10, 20).length, 0);
    assert.equal(readSeeded(5, 0).length, 0);
  });

  it('phaseFor is in range, deterministic, and differs per version', () => {
    const seen = new Set<number>();
    for (let v = 0; v < 2000; v++) {
      const p = phaseFor(7, 'item-1', v);
      assert.ok(Number.isInteger(p) && p >= 0 && p < Q);
      seen.add(p);
    }
    assert.equal(seen.size, 2000);
    assert.equal(phaseFor(7, 'item-1', 3), phaseFor(7, 'item-1', 3));
    assert.notEqual(phaseFor(7, 'item-1', 3), phaseFor(8, 'item-1', 3));
    assert.notEqual(phaseFor(7, 'item-1', 3), phaseFor(7, 'item-2', 3));
    assert.notEqual(phaseFor(7, 5, 0), phaseFor(7, 6, 0));
  });

  it('different versions give different bytes at the same offsets', () => {
    const size = 3_000_000;
    for (const offset of [0, 1_048_576, 2_999_000]) {
      const a = readSeeded(phaseFor(1, 'doc', 1), size, offset, offset + 999);
      const b = readSeeded(phaseFor(1, 'doc', 2), size, offset, offset + 999);
      assert.ok(!a.equals(b), `offset ${offset}`);
    }
  });

  it('a read at a 1 MiB-misaligned offset gets different bytes', () => {
    const phase = phaseFor(1, 'big', 0);
    const size = 8 * 1_048_576;
    for (let block = 0; block < 7; block++) {
      const here = readSeeded(phase, size, block * 1_048_576, block * 1_048_576 + 4095);
      const next = readSeeded(phase, size, (block + 1) * 1_048_576, (block + 1) * 1_048_576 + 4095);
      assert.ok(!here.equals(next), `block ${block}`);
    }
  });

  it('a bandwidth cap is respected', async () => {
    const started = performance.now();
    const body = await drain(
      seededStream(123, 2 * 1_048_576, 0, undefined, { bytesPerSecond: 8 * 1_048_576 }),
    );
    const ms = performance.now() - started;
    assert.equal(body.length, 2 * 1_048_576);
    assert.ok(ms >= 150, `took only ${ms} ms`);
    assert.ok(ms < 5000, `took ${ms} ms`);
  });

  it('a capped stream destroyed midway stops cleanly', async () => {
    const stream = seededStream(0, 10_000_000, 0, undefined, { bytesPerSecond: 100_000 });
    let got = 0;
    for await (const part of stream) {
      got += (part as Buffer).length;
      if (got > 10_000) break;
    }
    assert.ok(stream.destroyed);
  });
});

describe('seededQuickXorHash', () => {
  it('builds its table once', () => {
    const ms = warmSeededHash();
    assert.ok(ms > 0);
    assert.equal(warmSeededHash(), ms);
  });

  it('equals hashing the bytes, at edge sizes and phases', () => {
    const sizes = [0, 1, 2, 159, 160, 161, 319, 320, 321, Q - 1, Q, Q + 1, 2 * Q - 1, 2 * Q, 3 * Q + 7];
    const phases = [0, 1, 159, 160, 161, Q - 161, Q - 160, Q - 2, Q - 1, 524_287];
    for (const size of sizes) {
      for (const phase of phases) {
        const bytes = new QuickXorHash().update(readSeeded(phase, size)).digestBase64();
        assert.equal(seededQuickXorHash(phase, size), bytes, `phase ${phase}, size ${size}`);
      }
    }
  });

  it('equals hashing the bytes for random files', () => {
    const next = rng(4);
    for (let round = 0; round < 60; round++) {
      const phase = next(Q);
      const size = round % 3 ? next(4000) : next(4 * Q);
      const h = new QuickXorHash();
      // Hash through copies made in odd pieces, not through the same views seededQuickXorHash never reads.
      for (let at = 0; at < size; ) {
        const piece = Buffer.alloc(Math.min(size - at, 1 + next(300_000)));
        copySeeded(phase, size, at, piece);
        h.update(piece);
        at += piece.length;
      }
      assert.equal(seededQuickXorHash(phase, size), h.digestBase64(), `phase ${phase}, size ${size}`);
    }
  });

  it('small files agree with the bit-level reference', () => {
    const next = rng(5);
    for (let round = 0; round < 30; round++) {
      const phase = round < 3 ? Q - 1 - round : next(Q);
      const size = next(700);
      assert.equal(seededQuickXorHash(phase, size), referenceQuickXor(naiveContent(phase, size)));
    }
  });

  it('folds lengths past 2^32 into the top bytes', () => {
    // Two whole periods of T XOR to zero, so only the length field may differ.
    for (const n of [5, 4_294_967_296 - 2 * Q, 5_000_000_007, 2 ** 50 + 3]) {
      const a = seededQuickXorDigest(99, n);
      const b = seededQuickXorDigest(99, n + 2 * Q);
      const want = Buffer.alloc(20);
      want.writeBigUInt64LE(BigInt(n) ^ BigInt(n + 2 * Q), 12);
      const got = Buffer.alloc(20);
      for (let i = 0; i < 20; i++) got[i] = a[i]! ^ b[i]!;
      assert.ok(got.equals(want), `n ${n}`);
    }
  });
});
