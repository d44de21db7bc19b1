import { GraphError } from './http/errors.js';
import type { RequestContext } from './http/types.js';
import type { Drive } from './model/drive.js';
import type { Tenant } from './model/tenant.js';

/** Knobs of the emulator's Graph behaviour that are not faults (faults live in the fault plan). */
export interface BehaviourOptions {
  /** Delta tokens older than this answer 410 resyncRequired. */
  deltaTokenRetentionMs: number;
  /** Default and maximum delta page size ($top is honoured up to the maximum, then varied). */
  deltaPageSize: number;
  deltaMaxPageSize: number;
  /** Share of delta pages served empty (with a nextLink), as Graph sometimes does. */
  deltaEmptyPageRatio: number;
  /** Lifetime of pre-authenticated download URLs. */
  downloadUrlTtlMs: number;
  /** Lifetime of upload sessions since their last fragment. */
  uploadSessionTtlMs: number;
  /** Quiet time before a change notification goes out; changes within it share one POST. */
  notificationDebounceMs: number;
  /** Real Graph requires HTTPS notification URLs; loopback http is allowed unless this is set. */
  requireHttpsNotificationUrl: boolean;
}

export const defaultBehaviour: BehaviourOptions = {
  deltaTokenRetentionMs: 30 * 86_400_000,
  deltaPageSize: 200,
  deltaMaxPageSize: 1000,
  deltaEmptyPageRatio: 0.03,
  downloadUrlTtlMs: 60 * 60_000,
  uploadSessionTtlMs: 15 * 60_000,
  notificationDebounceMs: 150,
  requireHttpsNotificationUrl: false,
};

/** What every route shares: the tenants and how to reach the emulator itself. */
export interface EmulatorState {
  tenants: Map<string, Tenant>;
  /** https://127.0.0.1:PORT, known once the server listens. */
  baseUrl: string;
  /** Differs per emulator run: tokens of an earlier run answer 410, not garbage. */
  instance: string;
  behaviour: BehaviourOptions;
  /** HMAC key for pre-authenticated URLs (downloads, upload sessions). */
  urlKey: Buffer;
  /** Per drive: delta requests without and with a token, and the items the latter served. */
  deltaCounts: Map<string, { fresh: number; withToken: number; itemsWithToken: number }>;
  /** Route-level misbehaviour decided by the fault plan. */
  misbehave: {
    /** Consumes one forced 410 for the next delta request, if any is pending. */
    takeForcedResync(): boolean;
    /** Whether this download answers 200 with the whole body, ignoring Range. */
    ignoreRange(): boolean;
    /** Random source for page sizes and ordering, seeded with the plan. */
    random(): number;
  };
}

export function tenantOf(state: EmulatorState, ctx: RequestContext): Tenant {
  const tenant = ctx.auth && state.tenants.get(ctx.auth.tenantId);
  if (!tenant) throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token has no known tenant.');
  return tenant;
}

export function findDrive(
  state: EmulatorState,
  driveId: string,
): { tenant: Tenant; drive: Drive } | undefined {
  for (const tenant of state.tenants.values()) {
    const drive = tenant.drive(driveId);
    if (drive) return { tenant, drive };
  }
  return undefined;
}
