/** Bytes of a file: derived from a seed (generated libraries) or stored (uploads, remote edits). */
export type Content = { kind: 'seeded'; phase: number } | { kind: 'stored'; data: Buffer };

/**
 * One driveItem as the emulator keeps it. Kept small and flat: a generated library holds a
 * million of these.
 */
export interface EmItem {
  id: string;
  name: string;
  parentId: string | null;
  /** Present on folders only: folded name -> child id, live children only. */
  children: Map<string, string> | null;
  size: number;
  createdAt: number;
  modifiedAt: number;
  /** Bumped on any change (metadata or content): the eTag's version. */
  etagVer: number;
  /** Bumped on content changes only: the cTag's version. */
  ctagVer: number;
  /** Index of this item's latest state in the drive's change log. */
  seq: number;
  deleted: boolean;
  content: Content | null;
  /** Cached base64 quickXorHash of the current content. */
  hash: string | null;
  mimeType: string | null;
  modifiedBy: string;
}

export const isFolder = (item: EmItem): boolean => item.children !== null;

export function eTagOf(item: EmItem): string {
  return `"{${item.id}},${item.etagVer}"`;
}

export function cTagOf(item: EmItem): string {
  return `"c:{${item.id}},${item.ctagVer}"`;
}

const MIME: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  png: 'image/png',
  jpg: 'image/jpeg',
  zip: 'application/zip',
  mp4: 'video/mp4',
  json: 'application/json',
};

export function mimeTypeFor(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && MIME[name.slice(dot + 1).toLowerCase()]) || 'application/octet-stream';
}
