// Refresh tokens: rotation, reuse detection, client binding, and the user's account changes.
import { describe, expect, it } from 'vitest';
import { admin, call } from '../helpers';
import { basic, codeFor, oidcApp, redeem, REDIRECT, refreshWith, signedIn, tokenRequest, VERIFIER, type TokenResponse } from './support';

async function offlineTokens(appFields: Record<string, unknown> = {}) {
  const app = await oidcApp(appFields);
  const { browser, user } = await signedIn();
  const code = await codeFor(browser, app, { scope: 'openid email offline_access' });
  const res = app.token_endpoint_auth_method === 'none'
    ? await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER, client_id: app.client_id })
    : await redeem(app, code);
  const tokens = (await res.json()) as TokenResponse;
  expect(tokens.refresh_token).toBeTruthy();
  return { app, user, tokens };
}

const userinfo = (token: string) => call('/oauth2/userinfo', { headers: { authorization: `Bearer ${token}` } });

describe('refresh_token grant', () => {
  it('rotates at every use: each answer has a new refresh token, an ID token and the same sub', async () => {
    const { app, user, tokens } = await offlineTokens();
    let current = tokens.refresh_token!;
    for (let i = 0; i < 3; i++) {
      const res = await refreshWith(app, current);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const next = (await res.json()) as TokenResponse;
      expect(next).toMatchObject({ token_type: 'Bearer', scope: 'openid email offline_access' });
      expect(next.refresh_token).toBeTruthy();
      expect(next.refresh_token).not.toBe(current);
      expect(((await (await userinfo(next.access_token)).json()) as { sub: string }).sub).toBe(user.id);
      current = next.refresh_token!;
    }
  });

  it('replaying a rotated refresh token revokes the whole family, access tokens included', async () => {
    const { app, tokens } = await offlineTokens();
    const second = (await (await refreshWith(app, tokens.refresh_token!)).json()) as TokenResponse;
    const replay = await refreshWith(app, tokens.refresh_token!);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    // The legitimate holder's newer tokens die too: the family is compromised.
    expect((await refreshWith(app, second.refresh_token!)).status).toBe(400);
    expect((await userinfo(second.access_token)).status).toBe(401);
  });

  it('parallel use of one refresh token rotates it once', async () => {
    const { app, tokens } = await offlineTokens();
    const results = await Promise.all(Array.from({ length: 10 }, () => refreshWith(app, tokens.refresh_token!)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('is bound to its client', async () => {
    const { tokens } = await offlineTokens();
    const other = await oidcApp();
    const res = await refreshWith(other, tokens.refresh_token!);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('a public client refreshes with its client_id', async () => {
    const { app, tokens } = await offlineTokens({ token_endpoint_auth_method: 'none' });
    const res = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: app.client_id });
    expect(res.status).toBe(200);
  });

  it('may narrow the scope, never widen it', async () => {
    const { app, tokens } = await offlineTokens();
    const auth = { authorization: basic(app.client_id, app.client_secret) };
    const wider = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, scope: 'openid email profile' }, auth);
    expect(((await wider.json()) as { error: string }).error).toBe('invalid_scope');
    const narrower = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, scope: 'openid' }, auth);
    const body = (await narrower.json()) as TokenResponse;
    expect(body.scope).toBe('openid');
    // The family keeps its grant: the next refresh has the full scope again.
    const later = (await (await refreshWith(app, body.refresh_token!)).json()) as TokenResponse;
    expect(later.scope).toBe('openid email offline_access');
  });

  it('no refresh token without offline_access', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const tokens = (await (await redeem(app, await codeFor(browser, app))).json()) as TokenResponse;
    expect(tokens.refresh_token).toBeUndefined();
  });
});

describe("the user's account ends their refresh tokens", () => {
  it.each([
    ['a password change', (id: string) => admin('PATCH', `/users/${id}`, { password: 'a whole new password' })],
    ['disabling the user', (id: string) => admin('PATCH', `/users/${id}`, { disabled: true })],
    ['deleting the user', (id: string) => admin('DELETE', `/users/${id}`)],
  ])('%s', async (_, change) => {
    const { app, user, tokens } = await offlineTokens();
    expect((await change(user.id)).status).toBeLessThan(300);
    expect((await refreshWith(app, tokens.refresh_token!)).status).toBe(400);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
  });

  it('a profile change does not', async () => {
    const { app, user, tokens } = await offlineTokens();
    await admin('PATCH', `/users/${user.id}`, { name: 'Ada King' });
    expect((await refreshWith(app, tokens.refresh_token!)).status).toBe(200);
  });
});
