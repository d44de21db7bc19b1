import { randomUUID } from 'node:crypto';
import type { ConflictBehavior } from './model/drive.js';

/** An upload session: fragments arrive in order and are kept until the last one commits the file. */
export interface UploadSession {
  id: string;
  tenantId: string;
  driveId: string;
  parentId: string;
  name: string;
  /** Set when the session replaces the content of an existing item. */
  targetId: string | null;
  conflict: ConflictBehavior;
  ifMatch: string | undefined;
  total: number | null;
  received: number;
  chunks: Buffer[];
  expiresAt: number;
}

export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  create(init: Omit<UploadSession, 'id' | 'total' | 'received' | 'chunks'>): UploadSession {
    const session: UploadSession = { ...init, id: randomUUID(), total: null, received: 0, chunks: [] };
    this.sessions.set(session.id, session);
    return session;
  }

  /** A live session, or undefined when unknown, cancelled, committed or expired. */
  get(id: string, now = Date.now()): UploadSession | undefined {
    const s = this.sessions.get(id);
    if (s && s.expiresAt < now) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  delete(id: string): boolean {
    return this.sessions.delete(id);
  }
}
