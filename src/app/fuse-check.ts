import { existsSync } from 'node:fs';

export class FuseUnavailableError extends Error {
  override readonly name = 'FuseUnavailableError';
}

/**
 * Says in one message what is missing for a mount, and how to fix it, before anything touches
 * the kernel: a missing /dev/fuse or libfuse 2 would otherwise surface as a dlopen stack trace.
 */
export async function checkFuse(): Promise<void> {
  if (!existsSync('/dev/fuse')) {
    throw new FuseUnavailableError(
      'FUSE is not available: /dev/fuse is missing. Load the kernel module (modprobe fuse); in a container, start it with --device /dev/fuse --cap-add SYS_ADMIN.',
    );
  }
  try {
    await import('fuse-native');
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    if (/libfuse\.so\.2/.test(msg)) {
      throw new FuseUnavailableError(
        'libfuse 2 is missing. Install it: apt-get install -y libfuse2 (Debian/Ubuntu), dnf install fuse-libs (Fedora).',
      );
    }
    throw new FuseUnavailableError(`the FUSE binding does not load: ${msg}`);
  }
}
