import { createHash, randomBytes } from 'node:crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Business item ids look like '01' + 32 base32 characters. */
export function itemIdFrom(bytes: Uint8Array): string {
  let out = '01';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length && out.length < 34; i++) {
    acc = (acc << 8) | bytes[i]!;
    bits += 8;
    while (bits >= 5 && out.length < 34) {
      bits -= 5;
      out += B32[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

export function randomItemId(): string {
  return itemIdFrom(randomBytes(20));
}

/** Deterministic ids for generated libraries, so a seed always yields the same tree. */
export function seededItemId(seed: string, n: number): string {
  return itemIdFrom(createHash('sha1').update(`${seed}:${n}`).digest());
}

export function guidFrom(text: string): string {
  const h = createHash('md5').update(text).digest('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Drive ids look like 'b!' + base64url. */
export function driveIdFrom(text: string): string {
  return `b!${createHash('sha256').update(text).digest('base64url').slice(0, 40)}`;
}
