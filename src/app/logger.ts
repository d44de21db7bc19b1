import pino from 'pino';
import type { Log } from '../auth/index.js';

/**
 * Structured logs on stderr (JSON lines, for operators and log shippers). Secrets never reach
 * here: tokens stay inside the auth layer and URLs are redacted before they are logged.
 */
export function createLogger(level: string = process.env.DELTAFS_LOG ?? 'warn'): Log & { pino: pino.Logger } {
  const logger = pino({ level, base: undefined }, pino.destination(2));
  return {
    pino: logger,
    debug: (obj, msg) => logger.debug(obj, msg),
    info: (obj, msg) => logger.info(obj, msg),
    warn: (obj, msg) => logger.warn(obj, msg),
    error: (obj, msg) => logger.error(obj, msg),
  };
}
