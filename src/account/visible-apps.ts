// Which applications a signed-in user is offered on My apps, and where each one opens.
import { launchUrl, type App } from '../apps/app';
import type { Session } from '../sessions/sessions';
import { mayAccess } from '../access/policy';
import { sessionSubject } from '../access/subject';

/** May this user open this app? The app's access rule decides, as at the SSO URL, so My apps never lists an app that would refuse them. */
export function mayOpenApp(session: Pick<Session, 'userId' | 'roles' | 'profile'>, app: Pick<App, 'access'>): boolean {
  return mayAccess(app.access, sessionSubject(session));
}

export interface AppTile {
  clientId: string;
  name: string;
  description: string;
  url: string;
}

/** The apps to list for a user, by name, each with the URL that opens it. Apps with no URL to open are left out. */
export function appTiles(session: Pick<Session, 'userId' | 'roles' | 'profile'>, apps: readonly App[]): AppTile[] {
  return apps
    .filter((app) => mayOpenApp(session, app))
    .flatMap((app) => {
      const url = launchUrl(app);
      return url ? [{ clientId: app.clientId, name: app.name, description: app.description, url }] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.clientId.localeCompare(b.clientId));
}
