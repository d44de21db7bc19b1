// Open files. Each holds the content handle that pinned a version at open (close-to-open
// consistency, as NFS): reads through it serve that version or fail, never a newer one.

import type { ContentHandle } from './content/index.js';

export interface OpenFile {
  path: string;
  driveId: string;
  itemId: string;
  content: ContentHandle;
}

/** File descriptors as FUSE carries them: uint32, 0 never used so it can mean "none". */
export class HandleTable {
  readonly #open = new Map<number, OpenFile>();
  #next = 1;

  add(file: OpenFile): number {
    // Numbers are not reused until the counter wraps, so a late call with a released fd finds
    // nothing rather than another file.
    while (this.#open.has(this.#next)) this.#step();
    const fd = this.#next;
    this.#step();
    this.#open.set(fd, file);
    return fd;
  }

  get(fd: number): OpenFile | undefined {
    return this.#open.get(fd);
  }

  remove(fd: number): OpenFile | undefined {
    const file = this.#open.get(fd);
    this.#open.delete(fd);
    return file;
  }

  get size(): number {
    return this.#open.size;
  }

  #step(): void {
    this.#next = this.#next >= 0xffff_fffe ? 1 : this.#next + 1;
  }
}
