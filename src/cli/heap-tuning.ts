import { setFlagsFromString } from 'node:v8';

/**
 * Lets the JS heap grow to 3× what the last full collection kept before the next one (by
 * default V8 picks that factor from its own speeds). Streaming file content churns buffers
 * outside the heap (TLS records, libfuse's read buffers, range bodies); with a live heap of
 * ~30 MiB, V8 restarted full collections every ~100 ms while a file streamed. Reading a 1 GiB
 * file through a fresh mount after four `ls -l` of a 10,000-entry folder, two runs each: 25 and
 * 46 full collections and 4.0 and 7.1 s of server CPU by default, 1 collection and 3.7–4.8 s
 * with this; resident memory 258–276 MiB either way (mostly the block cache). Set at start, it
 * works as the command-line flag does (measured: the same single collection). Not used for
 * `deltafs index`: a 1M-item enumeration ran at the same rate with and without it.
 */
export function tuneHeapForStreaming(): void {
  setFlagsFromString('--heap-growing-percent=200');
}
