import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { GRAPH_BASE_URL } from '../graph/index.js';

const expandHome = (p: string) => (p === '~' || p.startsWith('~/') ? join(homedir(), p.slice(1)) : p);

const Library = z.union([
  z.object({ driveId: z.string().min(1) }).strict(),
  z.object({ site: z.string().min(1), library: z.string().min(1) }).strict(),
]);

// Sections default to `{}` parsed through their own schema (prefault), so each default is written once, on its field.
export const ConfigSchema = z
  .object({
    graph: z
      .object({
        /** Graph's origin: Microsoft's, or an emulator's https://127.0.0.1:PORT. */
        baseUrl: z.url().default(GRAPH_BASE_URL),
        /** Extra CA to trust (an emulator's); certificate checks are never turned off. */
        caFile: z.string().optional(),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        tenantId: z.string().min(1),
        clientId: z.string().min(1),
        /** Defaults to https://login.microsoftonline.com/{tenantId}. */
        authority: z.url().optional(),
        /** OpenID metadata JSON for authorities that are not Microsoft's (an emulator's). */
        authorityMetadata: z.string().optional(),
        /** Prefer the environment variable named by clientSecretEnv over a secret in a file. */
        clientSecret: z.string().optional(),
        clientSecretEnv: z.string().default('DELTAFS_CLIENT_SECRET'),
        certificateFile: z.string().optional(),
        privateKeyFile: z.string().optional(),
        /** Sign in as a user with the device code flow instead of app-only credentials. */
        deviceCode: z.boolean().default(false),
      })
      .strict(),
    /** Libraries to map; empty = every document library of every site the search finds. */
    libraries: z.array(Library).default([]),
    /** Where the index, the token cache and the journal live. */
    stateDir: z.string().default('~/.local/state/deltafs'),
    sync: z
      .object({
        /** Safety-net poll; with webhooks it can be long, without them it bounds staleness. */
        pollIntervalSec: z.number().positive().optional(),
        pageSize: z.number().int().min(1).max(1000).default(1000),
      })
      .strict()
      .prefault({}),
    mount: z
      .object({
        /** 'sites': /<site>/<library>/...; 'library': one library at the mount's root. */
        layout: z.enum(['sites', 'library']).default('sites'),
        attrTimeout: z.number().min(0).max(3600).optional(),
        entryTimeout: z.number().min(0).max(3600).optional(),
        allowOther: z.boolean().optional(),
        /** Block size of range reads and of the cache. */
        blockSizeKiB: z.number().int().min(4).max(65536).default(128),
        /** Memory for cached blocks. */
        cacheMiB: z.number().int().min(1).default(256),
        /** Optional on-disk block cache (bytes bounded too). */
        diskCacheMiB: z.number().int().min(0).default(0),
        /** Most blocks fetched ahead of a sequential reader (64 × 128 KiB = 8 MiB). */
        readAheadBlocks: z.number().int().min(0).max(1024).default(64),
        /** Files above this refuse to open (EFBIG); above readOnlyAboveMiB they open read-only. */
        maxOpenMiB: z.number().int().min(1).default(1024),
        readOnlyAboveMiB: z.number().int().min(1).default(500),
      })
      .strict()
      .prefault({}),
    webhook: z
      .object({
        /** host:port the receiver listens on. */
        listen: z.string().default('127.0.0.1:0'),
        /** The URL Graph posts to (a reverse proxy or tunnel in front of `listen`). */
        publicUrl: z.url().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type LibrarySpec = z.infer<typeof Library>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses and checks a config; paths are made absolute relative to the config file. */
export function parseConfig(raw: unknown, baseDir = process.cwd()): Config {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${issues.join('\n')}`);
  }
  const cfg = parsed.data;
  const abs = (p: string) => {
    const e = expandHome(p);
    return isAbsolute(e) ? e : resolve(baseDir, e);
  };
  cfg.stateDir = abs(cfg.stateDir);
  if (cfg.graph.caFile) cfg.graph.caFile = abs(cfg.graph.caFile);
  if (cfg.auth.certificateFile) cfg.auth.certificateFile = abs(cfg.auth.certificateFile);
  if (cfg.auth.privateKeyFile) cfg.auth.privateKeyFile = abs(cfg.auth.privateKeyFile);
  return cfg;
}

export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw, dirname(resolve(file)));
}
