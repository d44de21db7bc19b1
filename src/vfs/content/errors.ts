/** POSIX-style codes the vfs can hand to the kernel as they are. */
export type ContentErrorCode = 'EIO' | 'ENOENT' | 'EACCES' | 'EBADF' | 'EINVAL' | 'EISDIR' | 'ESTALE';

/** A content read that failed for good (retries and URL refreshes already spent). Branch on `code`. */
export class ContentError extends Error {
  override name = 'ContentError';
  readonly code: ContentErrorCode;

  constructor(code: ContentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/**
 * The server now holds another version than the one the handle pinned at open. The bytes it
 * offered were dropped unread: a file is never served as a mix of two versions. Reopening
 * pins the new version.
 */
export class VersionChangedError extends ContentError {
  override name = 'VersionChangedError';
  declare readonly code: 'ESTALE';
  readonly driveId: string;
  readonly itemId: string;
  readonly pinned: string;
  /** The tag the server answered with, when it said one. */
  readonly seen: string | undefined;

  constructor(driveId: string, itemId: string, pinned: string, seen: string | undefined) {
    super(
      'ESTALE',
      `item ${itemId} changed on the server since it was opened (pinned ${pinned}, server ${seen ?? 'sent no tag'}); reopen to read the new version`,
    );
    this.driveId = driveId;
    this.itemId = itemId;
    this.pinned = pinned;
    this.seen = seen;
  }
}
