import { quickXorHash, seededQuickXorHash } from '../content/index.js';
import type { Content } from './item.js';

/** Seeded content hashes in O(1) without its bytes; stored content is hashed for real. */
export function hashOfContent(content: Content, size: number): string {
  return content.kind === 'seeded' ? seededQuickXorHash(content.phase, size) : quickXorHash(content.data);
}
