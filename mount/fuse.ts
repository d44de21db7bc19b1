// fuse-native with two corrections, made by overriding the methods that get them wrong:
// - the `-o` string is exactly the validated list (its own builder drops 0 values, such as
//   negative_timeout=0, and accepts unchecked strings);
// - getxattr and listxattr honour the caller's buffer size: fuse-native copies a value into a
//   smaller buffer and still reports the full length, which libfuse then replies with,
//   reading past its buffer. A value that does not fit is ERANGE, as the syscall says.

import { constants } from 'node:os';
import Fuse from 'fuse-native';
import { EIO } from './errno.js';

type Signal = (code: number, ...rest: unknown[]) => void;
type XattrOps = {
  getxattr(path: string, name: string, position: number, cb: (code: number, value?: Buffer) => void): void;
  listxattr(path: string, cb: (code: number, names?: string[]) => void): void;
};

const ERANGE = -constants.errno.ERANGE;
const ENODATA = -(constants.errno.ENODATA ?? 61);

export class DeltaFuse extends Fuse {
  readonly #args: readonly string[];
  readonly #ops: XattrOps;

  constructor(
    mountpoint: string,
    ops: ConstructorParameters<typeof Fuse>[1],
    opts: ConstructorParameters<typeof Fuse>[2],
    args: readonly string[],
  ) {
    super(mountpoint, ops, opts);
    this.#args = args;
    this.#ops = ops as unknown as XattrOps;
  }

  _fuseOptions(): string {
    return this.#args.length ? `-o${this.#args.join(',')}` : '';
  }

  _op_getxattr(signal: Signal, path: string, name: string, valueBuf: Buffer, position: number): void {
    this.#ops.getxattr(path, name, position, (code, value) => {
      signal(xattrReply(code, value, valueBuf), valueBuf.buffer);
    });
  }

  _op_listxattr(signal: Signal, path: string, listBuf: Buffer): void {
    this.#ops.listxattr(path, (code, names) => {
      let list: Buffer | undefined;
      try {
        list = names && Buffer.from(names.map((n) => `${n}\0`).join(''), 'utf8');
      } catch {
        return signal(EIO, listBuf.buffer);
      }
      // An empty list is a valid answer: 0 bytes.
      signal(code < 0 ? code : xattrReply(code, list ?? Buffer.alloc(0), listBuf), listBuf.buffer);
    });
  }
}

/** The byte count to answer with (after copying into `buf`), or a negative errno. */
function xattrReply(code: number, value: Buffer | undefined, buf: Buffer): number {
  if (code < 0) return code;
  if (!Buffer.isBuffer(value)) return value === undefined ? ENODATA : EIO;
  // Size 0 asks for the length only.
  if (buf.length === 0) return value.length;
  if (value.length > buf.length) return ERANGE;
  value.copy(buf);
  return value.length;
}
