/** The slice of a pino logger the emulator uses; a pino instance fits as is. */
export interface EmulatorLog {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const noop = () => {};

export const silentLog: EmulatorLog = { error: noop, warn: noop, info: noop, debug: noop };

/** Used when no logger is given: a handler crash must still leave a trace somewhere. */
export const stderrErrorLog: EmulatorLog = {
  ...silentLog,
  error: (obj, msg) => {
    const err = (obj as { err?: unknown }).err;
    const detail = err instanceof Error ? (err.stack ?? err.message) : JSON.stringify(obj);
    process.stderr.write(`[emulator] ${msg ?? 'error'}: ${detail}\n`);
  },
};
