import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: 43 characters, within Graph's 128-character limit for clientState. */
export function newClientState(): string {
  return randomBytes(32).toString('base64url');
}

interface Entry {
  digest: Buffer;
  driveId: string | undefined;
}

/**
 * Expected clientState per subscription. Secrets are kept as HMACs under a per-process key so
 * that the comparison is between equal-length digests: `timingSafeEqual` needs equal lengths,
 * and comparing raw strings of different lengths would leak the length.
 */
export class ClientStateBook {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Entry>();

  register(subscriptionId: string, clientState: string, driveId?: string): void {
    this.entries.set(subscriptionId, { digest: this.digest(clientState), driveId });
  }

  unregister(subscriptionId: string): void {
    this.entries.delete(subscriptionId);
  }

  /** 'unknown' for a subscription never registered (or already replaced), else whether the secret matches. */
  verify(
    subscriptionId: string,
    clientState: unknown,
  ): { ok: true; driveId?: string } | { ok: false; why: 'unknown' | 'mismatch' } {
    const entry = this.entries.get(subscriptionId);
    if (!entry) return { ok: false, why: 'unknown' };
    const given = this.digest(typeof clientState === 'string' ? clientState : '');
    if (!timingSafeEqual(given, entry.digest)) return { ok: false, why: 'mismatch' };
    return { ok: true, driveId: entry.driveId };
  }

  private digest(value: string): Buffer {
    return createHmac('sha256', this.key).update(value, 'utf8').digest();
  }
}
