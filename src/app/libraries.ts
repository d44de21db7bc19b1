import type { Drive, Site } from '@microsoft/microsoft-graph-types';
import type { GraphClient } from '../graph/index.js';
import type { LibrarySpec } from './config.js';

export interface MappedLibrary {
  driveId: string;
  /** Site and library names as shown to users (the mount's first two path levels). */
  siteName: string;
  libraryName: string;
  quotaTotal?: number;
  quotaUsed?: number;
}

/**
 * Turns the configured libraries into drive ids. Names are matched case-insensitively, as
 * SharePoint shows them; an empty list maps every document library of every site found.
 */
export async function resolveLibraries(
  graph: GraphClient,
  specs: readonly LibrarySpec[],
): Promise<MappedLibrary[]> {
  const out: MappedLibrary[] = [];
  const sites = specs.some((s) => 'site' in s) || specs.length === 0 ? await graph.listSites('*') : [];
  if (specs.length === 0) {
    for (const site of sites) {
      for (const d of await graph.listDrives(site.id!)) out.push(mapped(d, siteLabel(site) ?? site.id!));
    }
    return dedupe(out);
  }
  for (const spec of specs) {
    if ('driveId' in spec) {
      const d = await graph.getDrive(spec.driveId);
      // A site's id is `host,siteCollectionId,webId`; the drive names only the collection.
      const siteId = d.sharePointIds?.siteId;
      const site = siteId ? sites.find((s) => s.id?.includes(siteId)) : undefined;
      out.push(mapped(d, (site && siteLabel(site)) ?? 'drives'));
      continue;
    }
    const site = sites.find((s) =>
      [s.name, s.displayName].some((n) => n?.toLowerCase() === spec.site.toLowerCase()),
    );
    if (!site)
      throw new Error(
        `no site named '${spec.site}' (found: ${sites.map((s) => s.name).join(', ') || 'none'})`,
      );
    const drives = await graph.listDrives(site.id!);
    const d = drives.find((x) => x.name?.toLowerCase() === spec.library.toLowerCase());
    if (!d)
      throw new Error(
        `site '${site.name}' has no library '${spec.library}' (it has: ${drives.map((x) => x.name).join(', ')})`,
      );
    out.push(mapped(d, site.name ?? spec.site));
  }
  return dedupe(out);
}

function siteLabel(site: Site): string | undefined {
  return site.name ?? site.displayName ?? undefined;
}

function mapped(d: Drive, siteName: string): MappedLibrary {
  return {
    driveId: d.id!,
    siteName,
    libraryName: d.name ?? d.id!,
    quotaTotal: d.quota?.total ?? undefined,
    quotaUsed: d.quota?.used ?? undefined,
  };
}

function dedupe(libs: MappedLibrary[]): MappedLibrary[] {
  const seen = new Set<string>();
  return libs.filter((l) => !seen.has(l.driveId) && seen.add(l.driveId));
}
