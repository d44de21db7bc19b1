// Extended attributes: the Graph identity of an item, for scripts that need to call Graph or
// open the item in a browser. Only `user.deltafs.*` exists. Other `user.*` names are ENODATA;
// other namespaces (security.*, system.posix_acl_*, trusted.*) are ENOTSUP, as on a file system
// without labels or ACLs. That matters for speed: `ls -l` probes security.selinux and
// system.posix_acl_access on every entry (two FUSE round trips each, tripling the cost of a
// listing) unless a probe says ENOTSUP, after which it stops asking for the whole device.

import type { IndexedItem } from '../../store/index.js';

export const XATTR_PREFIX = 'user.deltafs.';

/** Whether the name is in a namespace this file system has at all. */
export function supportedNamespace(name: string): boolean {
  return name.startsWith('user.');
}

/** Attributes read from the index record. */
const FROM_INDEX = {
  id: (i: IndexedItem) => i.id,
  eTag: (i: IndexedItem) => i.eTag || undefined,
  cTag: (i: IndexedItem) => i.cTag,
  quickXorHash: (i: IndexedItem) => i.quickXorHash,
} as const;

type IndexKey = keyof typeof FROM_INDEX;

/** What a `user.deltafs.*` name asks for. */
export type XattrKey = IndexKey | 'driveId' | 'webUrl';

export function xattrKey(name: string): XattrKey | undefined {
  if (!name.startsWith(XATTR_PREFIX)) return undefined;
  const key = name.slice(XATTR_PREFIX.length);
  return key === 'driveId' || key === 'webUrl' || Object.hasOwn(FROM_INDEX, key)
    ? (key as XattrKey)
    : undefined;
}

/** A value known without the network, or undefined (absent, or webUrl to be fetched). */
export function indexValue(key: XattrKey, driveId: string, item: IndexedItem): string | undefined {
  if (key === 'driveId') return driveId;
  if (key === 'webUrl') return item.webUrl || undefined;
  return FROM_INDEX[key](item);
}

/** The names present on an item; webUrl counts when the index has it or it can be fetched. */
export function xattrNames(driveId: string, item: IndexedItem, canFetchWebUrl: boolean): string[] {
  const names: string[] = [];
  for (const key of ['id', 'driveId', 'eTag', 'cTag', 'quickXorHash', 'webUrl'] as const) {
    const present = key === 'webUrl' ? canFetchWebUrl || item.webUrl : indexValue(key, driveId, item);
    if (present) names.push(XATTR_PREFIX + key);
  }
  return names;
}
