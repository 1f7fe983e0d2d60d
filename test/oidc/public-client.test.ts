// Issue #7: "none, a public client for SPAs and native apps. PKCE is mandatory for it, and it has
// no secret." An HS256 app keeps its secret even as a public client: it signs its JWT SSO tokens.
import { describe, expect, it } from 'vitest';
import { admin, createApp } from '../helpers';

describe('a public client (token_endpoint_auth_method "none")', () => {
  it('signing with ES256 or RS256, is registered without a secret and has none to reveal or rotate', async () => {
    for (const signing_alg of ['ES256', 'RS256']) {
      const app = await createApp({ token_endpoint_auth_method: 'none', signing_alg });
      expect(app.client_secret).toBeUndefined();
      const reveal = await admin('GET', `/apps/${app.client_id}/secret`);
      expect(reveal.status).toBe(409);
      expect(await reveal.json()).toMatchObject({ error: 'no_secret' });
      expect((await admin('POST', `/apps/${app.client_id}/secret`, {})).status).toBe(409);
    }
  });

  it('signing JWT SSO tokens with HS256, keeps the secret that signs them', async () => {
    const app = await createApp({ token_endpoint_auth_method: 'none', signing_alg: 'HS256' });
    expect(app.client_secret).toEqual(expect.any(String));
    const reveal = await admin('GET', `/apps/${app.client_id}/secret`);
    expect(reveal.status).toBe(200);
  });

  it('a confidential client gets its secret once it is no longer public', async () => {
    const app = await createApp({ token_endpoint_auth_method: 'none', signing_alg: 'ES256' });
    expect((await admin('PATCH', `/apps/${app.client_id}`, { token_endpoint_auth_method: 'client_secret_basic' })).status).toBe(200);
    const reveal = await admin('GET', `/apps/${app.client_id}/secret`);
    expect(reveal.status).toBe(200);
    expect(await reveal.json()).toMatchObject({ client_secret: expect.any(String) });
  });
});
