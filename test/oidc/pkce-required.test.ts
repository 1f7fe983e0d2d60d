// require_pkce: every new app is held to PKCE (RFC 9700), a confidential client too; an admin may
// turn it off for a confidential client that cannot send it; a public client always needs it.
import { describe, expect, it } from 'vitest';
import { admin, call, createApp } from '../helpers';
import { authorizePath, challengeOf, REDIRECT, responseParams, VERIFIER } from './support';

const newApp = (fields: Record<string, unknown> = {}) => createApp({ redirect_urls: [REDIRECT], ...fields });

describe('require_pkce', () => {
  it('is on for a new app, and a confidential client without PKCE is refused at the app with invalid_request', async () => {
    const app = await newApp();
    expect(app.require_pkce).toBe(true);
    const got = responseParams(await call(authorizePath(app)));
    expect(got).toMatchObject({ error: 'invalid_request', state: 'st-1' });
    expect(got.error_description).toContain('PKCE');
  });

  it('with PKCE the request goes on (to the login page)', async () => {
    const app = await newApp();
    const res = await call(authorizePath(app, { code_challenge: await challengeOf(VERIFIER), code_challenge_method: 'S256' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/login/);
  });

  it('an admin may turn it off for a confidential client, and on again', async () => {
    const app = await newApp();
    const off = await admin('PATCH', `/apps/${app.client_id}`, { require_pkce: false });
    expect(((await off.json()) as { require_pkce: boolean }).require_pkce).toBe(false);
    expect((await call(authorizePath(app))).headers.get('location')).toMatch(/^\/login/);
    await admin('PATCH', `/apps/${app.client_id}`, { require_pkce: true });
    expect(responseParams(await call(authorizePath(app))).error).toBe('invalid_request');
  });

  it('a public client needs PKCE whatever the setting says', async () => {
    const app = await newApp({ token_endpoint_auth_method: 'none', require_pkce: false });
    expect(app.require_pkce).toBe(true);
    expect(responseParams(await call(authorizePath(app))).error).toBe('invalid_request');
  });

  it('refuses a value that is not true or false', async () => {
    const res = await admin('POST', '/apps', { name: 'x', redirect_urls: [REDIRECT], require_pkce: 'yes' });
    expect(res.status).toBe(400);
  });
});
