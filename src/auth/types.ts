/** Where a Graph request gets its bearer token. */
export interface TokenProvider {
  /** A token with some life left; refreshes before expiry, concurrent callers share one fetch. */
  acquireToken(): Promise<string>;
  /**
   * The server rejected `rejected` (a 401): the next acquireToken fetches a new one. A token that
   * was already replaced is ignored, so a burst of 401s from one expiry costs one fetch.
   */
  invalidate(rejected?: string): void;
}

type LogFn = (obj: object, msg?: string) => void;

/** The subset of a pino logger this project's libraries log through. */
export interface Log {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
