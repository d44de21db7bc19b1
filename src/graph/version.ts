import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** deltafs's own version, from the package.json above this file (src/ or dist/src/ alike). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'deltafs' && pkg.version) return pkg.version;
    } catch {
      // no package.json at this level
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

export const VERSION = packageVersion();

/** Microsoft's requested traffic tag for ISV apps (`ISV|company|app/version`), so throttling can tell us apart. */
export const USER_AGENT = `ISV|deltafs|deltafs/${VERSION}`;
