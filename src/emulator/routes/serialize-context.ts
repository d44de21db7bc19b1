import type { Drive } from '../model/drive.js';
import type { EmItem } from '../model/item.js';
import type { SerializeContext } from '../model/serialize.js';
import type { Tenant } from '../model/tenant.js';
import { signClaims } from '../signed-urls.js';
import type { EmulatorState } from '../state.js';

export interface DownloadClaims {
  t: string;
  d: string;
  i: string;
  exp: number;
}

export function downloadUrlFor(state: EmulatorState, tenant: Tenant, drive: Drive, item: EmItem): string {
  const claims: DownloadClaims = {
    t: tenant.id,
    d: drive.id,
    i: item.id,
    exp: Date.now() + state.behaviour.downloadUrlTtlMs,
  };
  return `${state.baseUrl}/_download/${signClaims(state.urlKey, claims)}`;
}

export function serializeContext(
  state: EmulatorState,
  tenant: Tenant,
  drive: Drive,
  withDownloadUrls: boolean,
  /** The request's $select: properties it drops are not computed. */
  select: string[] | null = null,
): SerializeContext {
  return {
    select: select ? new Set(select) : null,
    tenant,
    drive,
    site: tenant.siteOf(drive),
    pathCache: new Map(),
    downloadUrl: withDownloadUrls ? (item) => downloadUrlFor(state, tenant, drive, item) : undefined,
  };
}
