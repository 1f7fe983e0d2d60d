// Hostile input at every OIDC endpoint gets a clear 4xx (or a redirect for a registered client),
// never a 500.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, type CreatedApp } from '../helpers';
import { oidcApp, REDIRECT } from './support';

let app: CreatedApp;
beforeAll(async () => {
  app = await oidcApp();
});

const junk = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60, unit: 'binary' }), fc.constantFrom('', '%', '%zz', '\u0000', 'a'.repeat(5000), 'openid', 'code', 'S256'));
const names = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'prompt', 'max_age', 'code_challenge', 'code_challenge_method', 'response_mode', 'grant_type', 'code', 'code_verifier', 'refresh_token', 'client_secret', 'token', 'token_type_hint', 'id_token_hint', 'post_logout_redirect_uri', 'access_token'];
const paramsArb = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 10 })), junk), { maxLength: 8 });
// Header values are ASCII on the wire; any bytes may hide inside Base64.
const printable = fc.string({ maxLength: 80, unit: fc.integer({ min: 0x20, max: 0x7e }).map((n) => String.fromCharCode(n)) });
const base64OfAnything = junk.map((s) => btoa(String.fromCharCode(...new TextEncoder().encode(s))));
const headerArb = fc.option(fc.oneof(printable, printable.map((s) => `Basic ${s}`), printable.map((s) => `Bearer ${s}`), base64OfAnything.map((s) => `Basic ${s}`)), { nil: undefined });

function withClient(params: [string, string][], registered: boolean): [string, string][] {
  return registered ? [['client_id', app.client_id], ['redirect_uri', REDIRECT], ...params] : params;
}

async function expectNo500(res: Response) {
  expect(res.status).toBeLessThan(500);
  expect(res.status === 200 || res.status === 204 || res.status === 303 || (res.status >= 400 && res.status < 500)).toBe(true);
}

describe('hostile input never causes a 500', () => {
  it.each(['/oauth2/authorize', '/oauth2/userinfo', '/oauth2/logout'])('GET %s', async (path) => {
    await fc.assert(
      fc.asyncProperty(paramsArb, fc.boolean(), headerArb, async (params, registered, authorization) => {
        const query = new URLSearchParams(withClient(params, registered));
        const res = await call(`${path}?${query}`, { headers: authorization === undefined ? {} : { authorization } });
        await expectNo500(res);
      }),
      { numRuns: 200 },
    );
  });

  it.each(['/oauth2/authorize', '/oauth2/token', '/oauth2/userinfo', '/oauth2/introspect', '/oauth2/revoke', '/oauth2/logout'])('POST %s', async (path) => {
    await fc.assert(
      fc.asyncProperty(paramsArb, fc.boolean(), headerArb, fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', ''), async (params, registered, authorization, type) => {
        const headers: Record<string, string> = type ? { 'content-type': type } : {};
        if (authorization !== undefined) headers.authorization = authorization;
        const res = await call(path, { method: 'POST', headers, body: new URLSearchParams(withClient(params, registered)).toString() });
        await expectNo500(res);
      }),
      { numRuns: 200 },
    );
  });
});
