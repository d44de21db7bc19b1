import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import { type Log, silentLog } from './types.js';

const OWNER_ONLY = 0o600;

/**
 * MSAL's token cache on disk. The file holds refresh tokens, so it is created owner-only,
 * narrowed back to owner-only if someone widened it, never followed through a symlink, and
 * replaced atomically (temp file + rename) so a crash or a second process never sees half a
 * cache.
 */
export class FileTokenCache implements ICachePlugin {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly log: Log = silentLog,
  ) {}

  async beforeCacheAccess(ctx: TokenCacheContext): Promise<void> {
    const data = await this.read();
    if (data === undefined) return;
    try {
      ctx.tokenCache.deserialize(data);
    } catch {
      this.log.warn({ path: this.path }, 'token cache file is not valid; starting with an empty cache');
    }
  }

  async afterCacheAccess(ctx: TokenCacheContext): Promise<void> {
    if (!ctx.cacheHasChanged) return;
    const data = ctx.tokenCache.serialize();
    // Chained so two MSAL calls finishing together cannot rename over each other out of order.
    const next = this.writes.then(() => this.write(data));
    this.writes = next.catch(() => {});
    await next;
  }

  /** The file's contents, or undefined when there is none yet. */
  async read(): Promise<string | undefined> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new Error(`token cache ${this.path} is not a regular file`);
      if ((st.mode & 0o077) !== 0) {
        await handle.chmod(OWNER_ONLY);
        this.log.warn(
          { path: this.path, mode: (st.mode & 0o777).toString(8) },
          'token cache was readable by others; narrowed to 0600',
        );
      }
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  }

  private async write(data: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, OWNER_ONLY);
    try {
      await handle.chmod(OWNER_ONLY); // a umask can only narrow the mode; this pins it exactly
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } catch (err) {
      await handle.close();
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await handle.close();
    try {
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }
}
