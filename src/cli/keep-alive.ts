import type { Log } from '../auth/index.js';

/**
 * While a mount is served, a stray error from a stream nobody listens to must not take the
 * process down: the kernel would be left with a dead mount until auto_unmount reaps it, and
 * every open file would fail. Such errors are logged instead; each FUSE op has its own handling.
 */
export function keepServingOnStrayErrors(log: Log): () => void {
  const onError = (err: unknown) =>
    log.error({ err }, 'uncaught error while serving the mount (kept running)');
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}
