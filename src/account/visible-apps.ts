// Which applications a signed-in user is offered on My apps, and where each one opens.
import { launchUrl, type App } from '../apps/app';
import type { Session } from '../sessions/sessions';

/**
 * May this user open this app? Today every signed-in user may open every app. Per-app access
 * rules (src/access/) will decide here, so My apps never lists an app the SSO URL would refuse.
 */
export function mayOpenApp(_session: Pick<Session, 'userId' | 'roles' | 'profile'>, _app: App): boolean {
  return true;
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
