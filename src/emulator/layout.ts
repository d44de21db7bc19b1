import { phaseFor } from './content/index.js';
import { generateLibrary } from './model/generator.js';
import { hashOfContent } from './model/hash.js';
import { seedFromString } from './model/rng.js';
import { Tenant } from './model/tenant.js';

export interface LibrarySpec {
  name: string;
  items: number;
  hugeFileBytes?: number;
  wideChildren?: number;
}

export interface SiteSpec {
  name: string;
  displayName?: string;
  libraries: LibrarySpec[];
}

export interface TenantSpec {
  tenantId: string;
  name: string;
  seed: number;
  sites: SiteSpec[];
  /** The signed-in user of device-code tokens, with a OneDrive of this many items. */
  user?: { displayName: string; mail: string; items: number };
}

/**
 * The default tenant: one large library (the size asked for) beside a few small ones, so
 * discovery, multi-library mounts and per-drive isolation have something to show.
 */
export function defaultTenantSpec(
  items: number,
  seed: number,
  tenantId: string,
  wideChildren?: number,
): TenantSpec {
  const small = (n: number) => Math.max(0, Math.min(n, items));
  return {
    tenantId,
    name: 'contoso',
    seed,
    sites: [
      {
        name: 'Company',
        displayName: 'Contoso Company',
        libraries: [{ name: 'Documents', items, hugeFileBytes: 2 ** 30, wideChildren }],
      },
      {
        name: 'Finance',
        displayName: 'Finance',
        libraries: [
          { name: 'Documents', items: small(2_000) },
          { name: 'Invoices', items: small(1_000) },
        ],
      },
      {
        name: 'Projects',
        displayName: 'Projects',
        libraries: [{ name: 'Shared Documents', items: small(500) }],
      },
    ],
    user: { displayName: 'Adele Vance', mail: 'adele@contoso.example', items: small(300) },
  };
}

export function buildTenant(spec: TenantSpec): Tenant {
  const tenant = new Tenant(spec.tenantId, spec.name, hashOfContent);
  for (const siteSpec of spec.sites) {
    const site = tenant.addSite(siteSpec.name, siteSpec.displayName);
    for (const lib of siteSpec.libraries) {
      const drive = tenant.addDrive(site, lib.name);
      const seed = seedFromString(`${spec.seed}/${siteSpec.name}/${lib.name}`);
      generateLibrary(drive, {
        items: lib.items,
        seed,
        hugeFileBytes: lib.hugeFileBytes,
        wideChildren: lib.wideChildren,
        contentFor: (key, version) => ({ kind: 'seeded', phase: phaseFor(seed, key, version) }),
      });
    }
  }
  if (spec.user) {
    const user = tenant.addUser(spec.user.displayName, spec.user.mail);
    const drive = tenant.drive(user.driveId)!;
    const seed = seedFromString(`${spec.seed}/user/${spec.user.mail}`);
    generateLibrary(drive, {
      items: spec.user.items,
      seed,
      contentFor: (key, version) => ({ kind: 'seeded', phase: phaseFor(seed, key, version) }),
    });
  }
  return tenant;
}
