import type { Drive, Site } from '@microsoft/microsoft-graph-types';
import { collectPages, type GraphTransport, query } from './transport.js';

export function getDrive(graph: GraphTransport, driveId: string): Promise<Drive> {
  return graph.request<Drive>('GET', `/drives/${encodeURIComponent(driveId)}`);
}

/** Sites matching a keyword search (`*` lists all the app may see), all pages. */
export function listSites(graph: GraphTransport, search: string): Promise<Site[]> {
  return collectPages<Site>(graph, `/sites${query({ search })}`);
}

/** Document libraries of a site, all pages. */
export function listDrives(graph: GraphTransport, siteId: string): Promise<Drive[]> {
  return collectPages<Drive>(graph, `/sites/${encodeURIComponent(siteId)}/drives`);
}
