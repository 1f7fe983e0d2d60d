// pruneOidc deletes what can no longer be used and keeps what still can.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { nowSeconds } from '../../src/lib/time';
import { pruneOidc } from '../../src/oidc/grants';
import { basic, codeFor, form, oidcApp, redeem, refreshWith, signedIn, type TokenResponse } from './support';

const count = async (table: string) => ((await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n);

describe('pruneOidc', () => {
  it('keeps live grants and tokens, and deletes them once every token they issued has expired', async () => {
    const app = await oidcApp();
    const { browser } = await signedIn();
    const live = (await (await redeem(app, await codeFor(browser, app, { scope: 'openid offline_access' }))).json()) as TokenResponse;
    await codeFor(browser, app); // never redeemed
    const revoked = (await (await redeem(app, await codeFor(browser, app))).json()) as TokenResponse;
    await form('/oauth2/revoke', { token: revoked.access_token }, { authorization: basic(app.client_id, app.client_secret) });
    expect(await count('oauth_revoked_jtis')).toBe(1);

    await pruneOidc(database(env.DB), nowSeconds());
    expect(await count('oauth_grants')).toBe(3);
    expect((await refreshWith(app, live.refresh_token!)).status).toBe(200);

    // A day later: the unredeemed code's grant, the short grant and the revoked jti are gone; the refresh family stays.
    await pruneOidc(database(env.DB), nowSeconds() + 86_400);
    expect(await count('oauth_grants')).toBe(1);
    expect(await count('oauth_revoked_jtis')).toBe(0);
    expect(await count('oauth_codes')).toBe(1);

    // After the refresh tokens' 30 days, nothing is left.
    await pruneOidc(database(env.DB), nowSeconds() + 31 * 86_400);
    for (const table of ['oauth_grants', 'oauth_codes', 'oauth_refresh_tokens', 'oauth_revoked_jtis']) expect(await count(table), table).toBe(0);
  });
});
