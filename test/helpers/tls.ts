import { Agent } from 'undici';
import { createTls, type EmulatorTls } from '../../src/emulator/http/tls.js';

let shared: Promise<EmulatorTls> | undefined;

/** One in-memory CA + server certificate per test process (generation takes a few ms, reuse is simpler). */
export function testTls(): Promise<EmulatorTls> {
  shared ??= createTls();
  return shared;
}

/** An undici dispatcher that trusts exactly the emulator's CA (works for undici's and Node's global fetch). */
export function trustingAgent(caPem: string, opts: Agent.Options = {}): Agent {
  return new Agent({ ...opts, connect: { ...opts.connect, ca: caPem } });
}
