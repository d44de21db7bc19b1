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
  const siteName = (id: string) =>
    sites.find((s) => s.id === id)?.name ?? sites.find((s) => s.id === id)?.displayName;
  if (specs.length === 0) {
    for (const site of sites) {
      for (const d of await graph.listDrives(site.id!)) {
        out.push({
          driveId: d.id!,
          siteName: site.name ?? site.displayName ?? site.id!,
          libraryName: d.name ?? d.id!,
          quotaTotal: d.quota?.total ?? undefined,
          quotaUsed: d.quota?.used ?? undefined,
        });
      }
    }
    return dedupe(out);
  }
  for (const spec of specs) {
    if ('driveId' in spec) {
      const d = await graph.getDrive(spec.driveId);
      const site = d.sharePointIds?.siteId
        ? sites.find((s) => s.id?.includes(d.sharePointIds!.siteId!))
        : undefined;
      out.push({
        driveId: d.id!,
        siteName: site?.name ?? siteName(d.sharePointIds?.siteId ?? '') ?? 'drives',
        libraryName: d.name ?? d.id!,
        quotaTotal: d.quota?.total ?? undefined,
        quotaUsed: d.quota?.used ?? undefined,
      });
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
    out.push({
      driveId: d.id!,
      siteName: site.name ?? spec.site,
      libraryName: d.name ?? spec.library,
      quotaTotal: d.quota?.total ?? undefined,
      quotaUsed: d.quota?.used ?? undefined,
    });
  }
  return dedupe(out);
}

function dedupe(libs: MappedLibrary[]): MappedLibrary[] {
  const seen = new Set<string>();
  return libs.filter((l) => !seen.has(l.driveId) && seen.add(l.driveId));
}
