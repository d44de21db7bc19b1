import { randomBytes, randomInt } from 'node:crypto';
import type { DirectoryUser } from './directory.js';

export interface DeviceCodeOptions {
  /** Seconds a code stays usable (Entra ID: 900). */
  lifetimeSec?: number;
  /** Polling interval told to the client (Entra ID: 5). */
  intervalSec?: number;
  /** Approve every code by itself, at once or after a delay (unattended demos and tests). */
  autoApprove?: boolean | { afterMs: number };
  now?: () => number;
}

export interface DeviceCodeEntry {
  deviceCode: string;
  userCode: string;
  tenantId: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  state: 'pending' | 'approved' | 'declined' | 'redeemed';
  user?: DirectoryUser;
}

export type PollResult =
  | { state: 'pending' | 'declined' | 'expired' | 'unknown' | 'redeemed' }
  | { state: 'approved'; entry: DeviceCodeEntry };

/** Letters without look-alikes, as Entra ID's user codes use. */
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export class DeviceCodeStore {
  readonly lifetimeSec: number;
  readonly intervalSec: number;
  private autoApprove: DeviceCodeOptions['autoApprove'];
  private readonly now: () => number;
  private readonly byDevice = new Map<string, DeviceCodeEntry>();

  constructor(
    /** Who signs in when a code is approved without naming a user. */
    private readonly defaultUser: (tenantId: string) => DirectoryUser,
    opts: DeviceCodeOptions = {},
  ) {
    this.lifetimeSec = opts.lifetimeSec ?? 900;
    this.intervalSec = opts.intervalSec ?? 5;
    this.autoApprove = opts.autoApprove ?? false;
    this.now = opts.now ?? Date.now;
  }

  setAutoApprove(value: DeviceCodeOptions['autoApprove']): void {
    this.autoApprove = value;
  }

  start(tenantId: string, clientId: string, scopes: string[]): DeviceCodeEntry {
    const now = this.now();
    const entry: DeviceCodeEntry = {
      deviceCode: randomBytes(32).toString('base64url'),
      userCode: Array.from(
        { length: 9 },
        () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)],
      ).join(''),
      tenantId,
      clientId,
      scopes,
      createdAt: now,
      expiresAt: now + this.lifetimeSec * 1000,
      state: 'pending',
    };
    this.byDevice.set(entry.deviceCode, entry);
    return entry;
  }

  /** What a person does on the verification page; false when the code is unknown, expired or used. */
  approve(userCode: string, user?: DirectoryUser): boolean {
    const entry = this.pendingByUserCode(userCode);
    if (!entry) return false;
    entry.state = 'approved';
    entry.user = user ?? this.defaultUser(entry.tenantId);
    return true;
  }

  decline(userCode: string): boolean {
    const entry = this.pendingByUserCode(userCode);
    if (!entry) return false;
    entry.state = 'declined';
    return true;
  }

  /** Codes waiting for a person (for the control API / demo UI). */
  pending(): DeviceCodeEntry[] {
    const now = this.now();
    return [...this.byDevice.values()].filter((e) => e.state === 'pending' && e.expiresAt > now);
  }

  /** One poll of the token endpoint; an approved code is handed out once, only to its own client. */
  poll(deviceCode: string, clientId: string): PollResult {
    const entry = this.byDevice.get(deviceCode);
    if (!entry || entry.clientId !== clientId) return { state: 'unknown' };
    if (entry.expiresAt <= this.now()) return { state: 'expired' };
    if (entry.state === 'pending' && this.dueForAutoApproval(entry)) this.approve(entry.userCode);
    if (entry.state !== 'approved') return { state: entry.state };
    entry.state = 'redeemed';
    return { state: 'approved', entry };
  }

  private dueForAutoApproval(entry: DeviceCodeEntry): boolean {
    if (!this.autoApprove) return false;
    const afterMs = this.autoApprove === true ? 0 : this.autoApprove.afterMs;
    return this.now() - entry.createdAt >= afterMs;
  }

  private pendingByUserCode(userCode: string): DeviceCodeEntry | undefined {
    const wanted = userCode.replace(/[\s-]/g, '').toUpperCase();
    const now = this.now();
    for (const entry of this.byDevice.values()) {
      if (entry.userCode === wanted && entry.state === 'pending' && entry.expiresAt > now) return entry;
    }
    return undefined;
  }
}
