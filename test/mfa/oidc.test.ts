// MFA on the OpenID Provider: ID tokens carry amr/acr, and an app that requires MFA steps up a
// password-only session at the authorization endpoint (or answers interaction_required).
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { ORIGIN } from '../helpers';
import { authorizePath, challengeOf, codeFor, oidcApp, redeem, responseParams, signedIn as oidcSignedIn, VERIFIER, type TokenResponse } from '../oidc/support';
import { enrolTotp, throughRecoveryCodes } from './support';

describe('OIDC and MFA', () => {
  it('a password-only ID token says amr [pwd] and acr urn:edge-sso:pwd', async () => {
    const app = await oidcApp();
    const { browser } = await oidcSignedIn();
    const tokens = (await (await redeem(app, await codeFor(browser, app))).json()) as TokenResponse;
    const claims = decodeJwt(tokens.id_token);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).toBe('urn:edge-sso:pwd');
  });

  it('an app that requires MFA steps a password-only session up, then its ID token says mfa', async () => {
    const app = await oidcApp({ mfa: 'required' });
    const { browser } = await oidcSignedIn();
    // No factor yet: the authorization request leads to enrolment.
    const params = { code_challenge: await challengeOf(VERIFIER), code_challenge_method: 'S256' };
    const first = await browser.fetch(authorizePath(app, params));
    expect(first.headers.get('location')).toMatch(/^\/account\?flow=/);
    const enrolAt = first.headers.get('location')!;
    const flow = new URL(enrolAt, ORIGIN).searchParams.get('flow')!;
    const { secret, res } = await enrolTotp(browser, flow);
    // The recovery codes first, then back at the authorization request, which now issues a code.
    const { onward } = await throughRecoveryCodes(browser, res);
    expect(onward.startsWith(`/oauth2/authorize?client_id=${app.client_id}&`)).toBe(true);
    const back = await browser.fetch(onward);
    const code = responseParams(back).code!;
    const claims = decodeJwt(((await (await redeem(app, code)).json()) as TokenResponse).id_token);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe('urn:edge-sso:mfa');
    expect(secret).toMatch(/^[A-Z2-7]+$/);
  });

  it('prompt=none with a password-only session: interaction_required at the redirect URI', async () => {
    const app = await oidcApp({ mfa: 'required' });
    const { browser } = await oidcSignedIn();
    const res = await browser.fetch(authorizePath(app, { prompt: 'none', code_challenge: await challengeOf(VERIFIER), code_challenge_method: 'S256' }));
    const got = responseParams(res);
    expect(got.error).toBe('interaction_required');
    expect(got.state).toBe('st-1');
    expect(got.iss).toBe(ORIGIN);
  });
});
