import { request } from 'undici';
import { trustingAgent } from './tls.js';

/** The emulator's control API (remote changes, the truth, faults), over HTTPS trusting its CA. */
export interface ControlApi {
  /** The answer's bytes; throws for a status of 300 or more. */
  raw(method: string, path: string, body?: unknown): Promise<Buffer>;
  /** The answer as JSON (undefined for an empty body). */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export function controlApi(controlUrl: string, caPem: string): ControlApi {
  const agent = trustingAgent(caPem);
  const raw = async (method: string, path: string, body?: unknown): Promise<Buffer> => {
    const res = await request(`${controlUrl}${path}`, {
      dispatcher: agent,
      method: method as 'GET',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode >= 300) throw new Error(`control ${method} ${path}: ${res.statusCode} ${bytes}`);
    return bytes;
  };
  return {
    raw,
    control: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const bytes = await raw(method, path, body);
      return (bytes.length ? JSON.parse(bytes.toString()) : undefined) as T;
    },
    close: () => agent.close(),
  };
}
