import { GraphError, invalidRequest, notFound } from '../http/errors.js';
import type { Drive } from '../model/drive.js';
import type { Tenant } from '../model/tenant.js';

/**
 * Resolves a subscription resource to the drive whose root it addresses. Graph (business)
 * accepts only a drive root for driveItem subscriptions; any other item is `notSupported`.
 */
export function resolveDriveRoot(tenant: Tenant, resource: unknown, meUserId?: string): Drive {
  if (typeof resource !== 'string' || resource.trim() === '') {
    throw invalidRequest('resource is a required property for subscription creation.');
  }
  const segs = resource
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .split('/')
    .map((s) => safeDecode(s));
  const head = segs[0]?.toLowerCase();
  let drive: Drive | undefined;
  let rest: string[];
  if (head === 'drives' && segs.length >= 2) {
    drive = tenant.drive(segs[1]!);
    if (!drive) throw notFound(`Drive '${segs[1]}' was not found.`);
    rest = segs.slice(2);
  } else if (head === 'me' && segs[1]?.toLowerCase() === 'drive') {
    const user = meUserId ? tenant.users.get(meUserId) : tenant.defaultUser();
    drive = user && tenant.drive(user.driveId);
    if (!drive) throw notFound('The signed-in user has no drive.');
    rest = segs.slice(2);
  } else if (head === 'users' && segs.length >= 3 && segs[2]?.toLowerCase() === 'drive') {
    const key = segs[1]!.toLowerCase();
    const user = [...tenant.users.values()].find((u) => u.id === key || u.mail.toLowerCase() === key);
    drive = user && tenant.drive(user.driveId);
    if (!drive) throw notFound(`User '${segs[1]}' was not found.`);
    rest = segs.slice(3);
  } else if (head === 'sites' && segs.length >= 3 && segs[2]?.toLowerCase() === 'drive') {
    const site = tenant.sites.get(segs[1]!);
    // A site's default document library is its first.
    drive = site?.driveIds[0] ? tenant.drive(site.driveIds[0]) : undefined;
    if (!drive) throw notFound(`Site '${segs[1]}' was not found.`);
    rest = segs.slice(3);
  } else {
    throw invalidRequest(`Resource '${resource}' is not supported for subscriptions.`);
  }
  if (rest.length === 1 && rest[0]!.toLowerCase() === 'root') return drive;
  throw new GraphError(
    400,
    'notSupported',
    'Operation: Create; Exception: [Status Code: BadRequest; Reason: Only the root of a drive supports subscriptions.]',
  );
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
