import { createHash } from 'node:crypto';

/** An app registration: a confidential client has a secret and/or certificates, a public client neither. */
export interface RegisteredApp {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  /** PEM certificates whose keys may sign client assertions (certificate credentials). */
  certificates?: string[];
  /** Allows the device code flow without a client credential. */
  publicClient?: boolean;
}

export interface DirectoryUser {
  id: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
}

/** Tenant aliases Entra ID accepts in authority URLs for multi-tenant apps. */
const ALIASES = new Set(['common', 'organizations']);

/** The apps and users the token endpoint knows; mutable so the control API can add more. */
export class Directory {
  private readonly apps: RegisteredApp[] = [];
  private readonly users: DirectoryUser[] = [];

  constructor(init: { apps?: RegisteredApp[]; users?: DirectoryUser[] } = {}) {
    for (const app of init.apps ?? []) this.addApp(app);
    for (const user of init.users ?? []) this.addUser(user);
  }

  addApp(app: RegisteredApp): void {
    this.apps.push({ ...app, certificates: [...(app.certificates ?? [])] });
  }

  addUser(user: DirectoryUser): void {
    this.users.push({ ...user });
  }

  /** The app for a client id as addressed through `tenant` (an id or an alias); undefined if unknown there. */
  findApp(tenant: string, clientId: string): RegisteredApp | undefined {
    return this.apps.find((a) => a.clientId === clientId && (a.tenantId === tenant || ALIASES.has(tenant)));
  }

  knowsTenant(tenant: string): boolean {
    return ALIASES.has(tenant) || this.apps.some((a) => a.tenantId === tenant);
  }

  /** The user who signs in when a device code is approved without naming one. */
  defaultUser(tenantId: string): DirectoryUser {
    return (
      this.users.find((u) => u.tenantId === tenantId) ?? {
        id: uuidFrom(`user:${tenantId}`),
        tenantId,
        userPrincipalName: `demo.user@${tenantId}.example`,
        displayName: 'Demo User',
      }
    );
  }

  findUser(id: string): DirectoryUser | undefined {
    return this.users.find((u) => u.id === id || u.userPrincipalName === id);
  }
}

/** A stable GUID-shaped id, so the synthesised user keeps its id across restarts. */
function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
