import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { call } from '../helpers';
import { codeFor, oidcApp, redeem, signedIn, type TokenResponse } from './support';

describe('smoke', () => {
  it('code flow works', async () => {
    const app = await oidcApp();
    const { browser, user } = await signedIn();
    const code = await codeFor(browser, app, { scope: 'openid profile email offline_access', nonce: 'n-1' });
    const res = await redeem(app, code);
    const body = (await res.json()) as TokenResponse;
    console.log(res.status, body);
    expect(res.status).toBe(200);
    const id = decodeJwt(body.id_token);
    console.log(id);
    expect(id.sub).toBe(user.id);
    const info = await call('/oauth2/userinfo', { headers: { authorization: `Bearer ${body.access_token}` } });
    console.log(info.status, await info.text());
  });
});
