// The Integration tab's OpenID Connect snippets: Authlib (Flask) and openid-client (Node), filled
// in with the app's client ID, the discovery URL, and its token endpoint authentication method.
import { describe, expect, it } from 'vitest';
import { Browser, createApp, createUser, ORIGIN, PASSWORD } from '../helpers';

const decode = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

async function integrationTab(clientId: string): Promise<string> {
  const admin = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/apps', admin.email, PASSWORD)).status).toBe(200);
  const res = await browser.fetch(`/admin/apps/${clientId}/integration`);
  expect(res.status).toBe(200);
  return decode(await res.text());
}

const snippet = (html: string, id: string) => new RegExp(`<pre id="${id}">([\\s\\S]*?)</pre>`).exec(html)?.[1] ?? '';

describe('Integration tab: OpenID Connect snippets', () => {
  it('give Authlib and openid-client the discovery URL, the client ID and the redirect URL; the secret stays in the environment', async () => {
    const app = await createApp({ redirect_urls: ['https://rp.example.com/auth/callback'], logout_urls: ['https://rp.example.com/bye'] });
    const html = await integrationTab(app.client_id);
    const discovery = `${ORIGIN}/.well-known/openid-configuration`;
    expect(html).toContain(`<code id="discovery-url">${discovery}</code>`);

    const authlib = snippet(html, 'authlib-snippet');
    expect(authlib).toContain(`server_metadata_url="${discovery}"`);
    expect(authlib).toContain(`client_id="${app.client_id}"`);
    expect(authlib).toContain('"scope": "openid email profile groups"');
    expect(authlib).toContain('@app.route("/auth/callback")');
    expect(authlib).toContain('"post_logout_redirect_uri": "https://rp.example.com/bye"');
    expect(authlib).toContain('client_secret=os.environ["EDGE_SSO_CLIENT_SECRET"]');

    const node = snippet(html, 'openid-client-snippet');
    expect(node).toContain(`client.discovery(new URL('${ORIGIN}'), '${app.client_id}'`);
    expect(node).toContain("redirect_uri: 'https://rp.example.com/auth/callback'");
    expect(node).toContain("code_challenge_method: 'S256'");
    expect(node).toContain('client.buildEndSessionUrl');

    expect(html).not.toContain(app.client_secret);
  });

  it.each([
    ['client_secret_basic', 'client.ClientSecretBasic(process.env.EDGE_SSO_CLIENT_SECRET)', true],
    ['client_secret_post', 'client.ClientSecretPost(process.env.EDGE_SSO_CLIENT_SECRET)', true],
    ['none', 'client.None()', false],
  ] as const)('follow the app’s token_endpoint_auth_method %s', async (method, nodeAuth, hasSecret) => {
    const app = await createApp({ token_endpoint_auth_method: method });
    const html = await integrationTab(app.client_id);
    const authlib = snippet(html, 'authlib-snippet');
    expect(authlib).toContain(`"token_endpoint_auth_method": "${method}"`);
    expect(authlib.includes('client_secret=')).toBe(hasSecret);
    expect(snippet(html, 'openid-client-snippet')).toContain(nodeAuth);
  });
});
