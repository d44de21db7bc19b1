import type * as MG from '@microsoft/microsoft-graph-types';
import { GraphError } from '../http/errors.js';
import type { Route } from '../http/types.js';
import type { Drive } from '../model/drive.js';
import type { Site, Tenant } from '../model/tenant.js';
import { type EmulatorState, tenantOf } from '../state.js';
import { DRIVE_PREFIX, driveFromParams } from './address.js';

export function siteJson(site: Site): MG.Site {
  return {
    id: site.id,
    name: site.name,
    displayName: site.displayName,
    webUrl: site.webUrl,
    createdDateTime: new Date(site.createdAt).toISOString(),
    siteCollection: { hostname: site.webUrl.split('/')[2] },
  };
}

export function driveJson(tenant: Tenant, drive: Drive): MG.Drive {
  const site = tenant.siteOf(drive);
  return {
    id: drive.id,
    name: drive.info.name,
    driveType: drive.info.driveType,
    createdDateTime: new Date(drive.info.createdAt).toISOString(),
    webUrl: `${site.webUrl}/${encodeURIComponent(drive.info.name)}`,
    owner: { group: { displayName: site.displayName } } as MG.IdentitySet,
    quota: {
      total: drive.info.quotaTotal,
      used: drive.usedBytes,
      remaining: drive.info.quotaTotal - drive.usedBytes,
      deleted: 0,
      state: 'normal',
    },
    sharePointIds: { siteId: site.id.split(',')[1], webId: site.id.split(',')[2] } as MG.SharepointIds,
  };
}

const collection = (value: unknown[]) => ({ status: 200, json: { value } });

/** Sites, drives and "me": how a client finds the libraries to mount. */
export function discoveryRoutes(state: EmulatorState): Route[] {
  const site = (tenant: Tenant, id: string): Site => {
    const s = tenant.sites.get(id) ?? (id === 'root' ? tenant.sites.values().next().value : undefined);
    if (!s) throw new GraphError(404, 'itemNotFound', 'Requested site could not be found');
    return s;
  };
  return [
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: /^\/sites$/,
      auth: 'bearer',
      handler: (ctx) => {
        const tenant = tenantOf(state, ctx);
        const search = ctx.url.searchParams.get('search');
        if (search === null)
          throw new GraphError(400, 'invalidRequest', 'Listing sites requires a search query.');
        const q = search.replace(/^"|"$/g, '').toLowerCase();
        const sites = [...tenant.sites.values()].filter(
          (s) =>
            !s.name.startsWith('personal-') &&
            (q === '' || q === '*' || `${s.name} ${s.displayName}`.toLowerCase().includes(q)),
        );
        return collection(sites.map(siteJson));
      },
    },
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: /^\/me\/followedSites$/,
      auth: 'bearer',
      handler: (ctx) => {
        const tenant = tenantOf(state, ctx);
        return collection(
          [...tenant.sites.values()].filter((s) => !s.name.startsWith('personal-')).map(siteJson),
        );
      },
    },
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: /^\/sites\/(?<siteId>[^/]+)$/,
      auth: 'bearer',
      handler: (ctx) => ({ status: 200, json: siteJson(site(tenantOf(state, ctx), ctx.params.siteId!)) }),
    },
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: /^\/sites\/(?<siteId>[^/]+)\/drives$/,
      auth: 'bearer',
      handler: (ctx) => {
        const tenant = tenantOf(state, ctx);
        const s = site(tenant, ctx.params.siteId!);
        return collection(s.driveIds.map((id) => driveJson(tenant, tenant.drive(id)!)));
      },
    },
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: /^\/me$/,
      auth: 'bearer',
      handler: (ctx) => {
        const tenant = tenantOf(state, ctx);
        const me = (ctx.auth?.userId && tenant.users.get(ctx.auth.userId)) || tenant.defaultUser();
        if (!me) throw new GraphError(404, 'itemNotFound', 'No user.');
        return {
          status: 200,
          json: { id: me.id, displayName: me.displayName, mail: me.mail, userPrincipalName: me.mail },
        };
      },
    },
    {
      method: 'GET',
      prefix: '/v1.0',
      pattern: new RegExp(`^/${DRIVE_PREFIX}$`),
      auth: 'bearer',
      handler: (ctx) => {
        const { tenant, drive } = driveFromParams(state, ctx);
        return { status: 200, json: driveJson(tenant, drive) };
      },
    },
  ];
}
