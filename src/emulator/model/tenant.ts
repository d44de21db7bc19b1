import { Drive, type DriveInfo, type HashOf } from './drive.js';
import { driveIdFrom, guidFrom } from './ids.js';

export interface Site {
  id: string;
  name: string;
  displayName: string;
  webUrl: string;
  createdAt: number;
  driveIds: string[];
}

export interface User {
  id: string;
  displayName: string;
  mail: string;
  /** The user's OneDrive (`/me/drive`). */
  driveId: string;
}

/** One Microsoft 365 tenant: SharePoint sites with document libraries, users with OneDrives. */
export class Tenant {
  readonly sites = new Map<string, Site>();
  readonly drives = new Map<string, Drive>();
  readonly users = new Map<string, User>();

  constructor(
    readonly id: string,
    readonly name: string,
    readonly hashOf: HashOf,
  ) {}

  get hostname(): string {
    return `${this.name}.sharepoint.com`;
  }

  addSite(name: string, displayName = name): Site {
    const site: Site = {
      id: `${this.hostname},${guidFrom(`${this.id}/site/${name}`).toLowerCase()},${guidFrom(`${this.id}/web/${name}`).toLowerCase()}`,
      name,
      displayName,
      webUrl: `https://${this.hostname}/sites/${encodeURIComponent(name)}`,
      createdAt: Date.UTC(2022, 0, 3),
      driveIds: [],
    };
    this.sites.set(site.id, site);
    return site;
  }

  addDrive(
    site: Site,
    name: string,
    opts: { quotaTotal?: number; driveType?: DriveInfo['driveType'] } = {},
  ): Drive {
    const id = driveIdFrom(`${site.id}/${name}`);
    const drive = new Drive(
      {
        id,
        name,
        siteId: site.id,
        siteName: site.name,
        driveType: opts.driveType ?? 'documentLibrary',
        quotaTotal: opts.quotaTotal ?? 25 * 2 ** 40,
        createdAt: site.createdAt,
      },
      this.hashOf,
      // Generated trees must be reproducible, root id included.
      `01${guidFrom(id).replace(/-/g, '').slice(0, 32)}`,
    );
    this.drives.set(id, drive);
    site.driveIds.push(id);
    return drive;
  }

  addUser(displayName: string, mail: string): User {
    const site = this.addSite(`personal-${mail.split('@')[0]}`, `${displayName} OneDrive`);
    const drive = this.addDrive(site, 'OneDrive', { driveType: 'business', quotaTotal: 1024 ** 4 });
    const user: User = {
      id: guidFrom(`${this.id}/user/${mail}`).toLowerCase(),
      displayName,
      mail,
      driveId: drive.id,
    };
    this.users.set(user.id, user);
    return user;
  }

  drive(id: string): Drive | undefined {
    return this.drives.get(id);
  }

  siteOf(drive: Drive): Site {
    return this.sites.get(drive.info.siteId)!;
  }

  /** The first user stands for "me" with app-only tokens too, so `/me/drive` always answers. */
  defaultUser(): User | undefined {
    return this.users.values().next().value;
  }
}
