// Input checks made before a write transaction starts: an exception inside a transaction
// callback aborts the whole page, so malformed input must be refused up front, with a message
// naming the item.

import { foldName } from './fold.js';
import type { ItemChange, ItemInput, PageLink } from './types.js';

/** lmdb-js's maximum key size; the longest key we write is the collisions key. */
const MAX_KEY_BYTES = 1978;
/** Separators and escape bytes of a four-element ordered-binary key, with margin. */
const KEY_OVERHEAD = 16;

export class InvalidChangeError extends Error {
  readonly code = 'EINVALIDCHANGE';
}

export function checkDriveId(driveId: unknown): asserts driveId is string {
  if (typeof driveId !== 'string' || driveId === '')
    throw new InvalidChangeError('driveId must be a non-empty string');
}

export function checkLink(link: unknown): asserts link is PageLink {
  const l = link as Partial<Record<'nextLink' | 'deltaLink', unknown>> | null;
  const next = typeof l?.nextLink === 'string';
  const delta = typeof l?.deltaLink === 'string';
  if (next === delta) throw new InvalidChangeError('link must carry exactly one of nextLink or deltaLink');
}

export function checkChanges(driveId: string, changes: readonly ItemChange[]): void {
  if (!Array.isArray(changes)) throw new InvalidChangeError('changes must be an array');
  for (const change of changes) {
    if (change?.kind === 'delete') {
      if (!isId(change.id)) throw new InvalidChangeError(`delete without a valid id: ${String(change.id)}`);
    } else if (change?.kind === 'upsert') {
      checkItem(driveId, change.item);
    } else {
      throw new InvalidChangeError(`unknown change kind: ${String((change as { kind?: unknown })?.kind)}`);
    }
  }
}

function checkItem(driveId: string, item: ItemInput): void {
  if (!isId(item?.id)) throw new InvalidChangeError(`upsert without a valid id: ${String(item?.id)}`);
  const fail = (what: string): never => {
    throw new InvalidChangeError(`item ${item.id}: ${what}`);
  };
  if (typeof item.name !== 'string' || item.name === '') fail('name must be a non-empty string');
  if (item.parentId !== null && !isId(item.parentId)) fail('parentId must be null or a non-empty string');
  if (item.parentId === item.id) fail('item is its own parent');
  if (typeof item.isFolder !== 'boolean') fail('isFolder must be a boolean');
  if (typeof item.eTag !== 'string') fail('eTag must be a string');
  for (const field of ['size', 'createdAt', 'modifiedAt'] as const) {
    if (!Number.isFinite(item[field])) fail(`${field} must be a finite number`);
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit: only a key that could be too long is measured
  // (folding the name is the costly part, and the writer folds it again).
  const bound = 3 * (driveId.length + (item.parentId?.length ?? 0) + item.name.length + item.id.length);
  if (item.parentId !== null && bound + KEY_OVERHEAD > MAX_KEY_BYTES) {
    const bytes =
      Buffer.byteLength(driveId) +
      Buffer.byteLength(item.parentId) +
      Buffer.byteLength(foldName(item.name)) +
      Buffer.byteLength(item.id) +
      KEY_OVERHEAD;
    if (bytes > MAX_KEY_BYTES) fail(`name too long for the children index (${bytes} key bytes)`);
  }
}

function isId(id: unknown): id is string {
  return typeof id === 'string' && id !== '';
}
