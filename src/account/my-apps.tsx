// GET /my-apps: the signed-in user's home. The applications they may open, each a link to where
// that app starts its own sign-in; a sign-out button; for admins, the console.
import { Hono } from 'hono';
import { listApps } from '../apps/store';
import { brandingFor } from '../branding/page';
import { dbOf, type AppEnv } from '../http/context';
import { csrfToken } from '../http/csrf';
import { readSession } from '../sessions/sessions';
import { PostForm } from '../ui/components';
import { Page } from '../ui/layout';
import { appTiles, type AppTile } from './visible-apps';

/** The most apps one page lists; an installation with more needs search, not a longer page. */
const MAX_APPS = 200;

export const accountRoutes = new Hono<AppEnv>();

function AppList(props: { tiles: AppTile[] }) {
  if (props.tiles.length === 0) {
    return <p class="muted">No applications are available to you yet. Ask your administrator.</p>;
  }
  return (
    <ul class="app-list" aria-label="Applications">
      {props.tiles.map((tile) => (
        <li>
          <a href={tile.url} rel="noopener">
            {tile.name}
          </a>
          {tile.description && <span class="muted">{tile.description}</span>}
        </li>
      ))}
    </ul>
  );
}

accountRoutes.get('/my-apps', async (c) => {
  const session = await readSession(c);
  if (!session) return c.redirect('/login', 303);
  const [{ apps }, branding] = await Promise.all([listApps(dbOf(c), { limit: MAX_APPS, offset: 0 }), brandingFor(c.env)]);
  const isAdmin = session.roles.includes('admin');
  return c.html(
    <Page title="My apps" branding={branding} nonce={c.get('cspNonce')}>
      <h1>My apps</h1>
      <p>
        Signed in as <strong>{session.profile.email}</strong>. Open an application:
      </p>
      <AppList tiles={appTiles(session, apps)} />
      <p>
        <a href="/account">Account and security</a>: authenticator app, passkeys, sessions, password
        {' · '}
        <a href="/account/email">Change your email address</a>
      </p>
      {isAdmin && (
        <p>
          <a href="/admin">Open the admin console</a>
        </p>
      )}
      <PostForm action="/sso/logout" csrf={csrfToken(c)}>
        <button type="submit">Sign out</button>
      </PostForm>
    </Page>,
  );
});
