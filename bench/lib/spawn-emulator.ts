import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface EmulatorLine {
  baseUrl: string;
  authority: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caFile: string;
  controlUrl: string;
  drives: Array<{ id: string; name: string; siteId: string; items: number }>;
}

export interface SpawnedEmulator {
  line: EmulatorLine;
  ca: string;
  child: ChildProcess;
  /** From spawn to the JSON line: generation plus listening. */
  startMs: number;
  /** Peak resident memory so far (VmHWM), bytes. */
  peakRss(): number;
  stop(): Promise<void>;
}

const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/** Runs `deltafs emulator --json` as its own process, so its memory and CPU are its own. */
export async function spawnEmulator(args: string[], tlsDir: string): Promise<SpawnedEmulator> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'emulator', '--json', '--tls-dir', tlsDir, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<EmulatorLine>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => resolve(JSON.parse(l) as EmulatorLine));
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code} before it was ready`)));
  });
  const startMs = performance.now() - t0;
  return {
    line,
    ca: readFileSync(line.caFile, 'utf8'),
    child,
    startMs,
    peakRss: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kb * 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Client-credentials token straight from the emulator's token endpoint. */
export async function clientToken(line: EmulatorLine, fetchImpl: typeof fetch): Promise<string> {
  const res = await fetchImpl(`${line.authority}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: line.clientId,
      client_secret: line.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }).toString(),
  });
  const json = (await res.json()) as { access_token?: string };
  if (!json.access_token) throw new Error(`no token: ${JSON.stringify(json)}`);
  return json.access_token;
}

export function version(): string {
  return (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
}
