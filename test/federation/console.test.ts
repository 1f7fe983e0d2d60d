// The console's Identity sources section and its pieces on other pages, as an admin uses them:
// the form's validation (the API's, with each error next to its field), the source page with the
// redirect URI to register, edit with secrets kept, delete with confirmation (CSRF-checked),
// the app form's primary source and the app page's two SSO URLs.
import { env } from 'cloudflare:workers';
import { idpMetadata, testKey } from './saml/idp';
import { describe, expect, it } from 'vitest';
import { database } from '../../src/db/client';
import { parseNewSource } from '../../src/federation/input';
import { createSource, getSource } from '../../src/federation/store';
import { admin, auditUntil, Browser, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';
import { keyring } from '../../src/lib/secret-box';

const decode = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/apps', user.email, PASSWORD)).status).toBe(200);
  return { browser, user };
}

async function page(browser: Browser, path: string, status = 200): Promise<string> {
  const res = await browser.fetch(path);
  const html = await res.text();
  expect(res.status, html.slice(0, 400)).toBe(status);
  return html;
}

function postForm(browser: Browser, path: string, fields: Record<string, string>) {
  return browser.fetch(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }, body: new URLSearchParams(fields) });
}

function fieldError(html: string, name: string): string | undefined {
  const m = new RegExp(`<p class="field-error" id="${name.replace(/\./g, '\\.')}-error">([^<]*)</p>`).exec(html);
  return m ? decode(m[1]!) : undefined;
}

async function storedSource(fields: Record<string, unknown> = {}) {
  const slug = unique('con').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  const input = parseNewSource({ type: 'oidc', slug, name: 'Console IdP', issuer: 'https://idp.console.test', client_id: 'edge', client_secret: 'kept-secret', ...fields });
  return (await createSource(database(env.DB), keyring(env), input)).source;
}

describe('console: identity sources', () => {
  it('is in the navigation and lists sources; the add form offers every type', async () => {
    const { browser } = await signedInAdmin();
    const source = await storedSource({ name: 'Listed IdP' });
    const html = await page(browser, '/admin/identity-sources');
    expect(html).toContain('href="/admin/identity-sources" aria-current="page"');
    expect(html).toContain(`href="/admin/identity-sources/${source.slug}">Listed IdP</a>`);
    for (const type of ['oidc', 'entra', 'google', 'github', 'apple']) expect(html).toContain(`<option value="${type}"`);
    const form = await page(browser, '/admin/identity-sources/new?type=entra');
    expect(form).toContain('name="tenant"');
    await page(browser, '/admin/identity-sources/new?type=cas', 404);
  });

  it('adds a SAML source from pasted metadata and shows what the IdP admin needs: SP metadata URL, entity ID, ACS URL', async () => {
    const { browser } = await signedInAdmin();
    const form = await page(browser, '/admin/identity-sources/new?type=entra-saml');
    expect(form).toContain('name="metadata_url"');
    expect(form).toContain('name="metadata_xml"');
    expect(form).not.toContain('name="client_id"');
    const key = await testKey('console idp');
    const res = await postForm(browser, '/admin/identity-sources/new?type=entra-saml', {
      ...hiddenFields(form),
      name: 'Contoso Entra',
      slug: 'contoso-entra-saml',
      metadata_xml: idpMetadata([key.certificate]),
      enabled: 'on',
      provisioning: 'create',
    });
    expect(res.status, await res.clone().text()).toBe(303);
    const details = await page(browser, '/admin/identity-sources/contoso-entra-saml');
    expect(details).toContain('https://sso.test/federation/contoso-entra-saml/saml/metadata');
    expect(details).toContain('https://sso.test/federation/contoso-entra-saml/saml/acs');
    expect(details).toContain('1 signing certificate');
  });

  it('shows every invalid field next to it, keeping what was typed', async () => {
    const { browser } = await signedInAdmin();
    const html = await page(browser, '/admin/identity-sources/new?type=oidc');
    const res = await postForm(browser, '/admin/identity-sources/new?type=oidc', {
      ...hiddenFields(html),
      name: 'Typed name',
      issuer: 'http://idp.example.com',
      client_id: '',
      client_secret: 's',
      allowed_domains: 'not a domain',
      'group_map.rename.0.from': 'Engineering',
      'group_map.rename.0.to': '',
    });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(fieldError(body, 'issuer')).toContain('https');
    expect(fieldError(body, 'client_id')).toBe('must not be empty');
    expect(fieldError(body, 'group_map.rename.0.to')).toContain('name the edge-sso group that “Engineering” becomes');
    expect(body).toContain('value="Engineering"');
    expect(body).toContain('value="Typed name"');
  });

  it('shows the redirect URI to register, never the secret; edit keeps the secret when left empty', async () => {
    const { browser } = await signedInAdmin();
    const source = await storedSource();
    const html = await page(browser, `/admin/identity-sources/${source.slug}`);
    expect(html).toContain(`https://sso.test/federation/${source.slug}/callback`);
    expect(html).not.toContain('kept-secret');
    expect(html).toContain(`href="/admin/identity-sources/${source.slug}/test"`);
    const edit = await page(browser, `/admin/identity-sources/${source.slug}/edit`);
    expect(edit).not.toContain('kept-secret');
    const fields = Object.fromEntries([...edit.matchAll(/<input id="([^"]+)" name="\1"[^>]*? value="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)]));
    const res = await postForm(browser, `/admin/identity-sources/${source.slug}/edit`, {
      ...fields,
      ...hiddenFields(edit),
      name: 'Renamed IdP',
      enabled: 'on',
      show_on_login_page: 'on',
      'group_map.rename.0.from': 'Engineering',
      'group_map.rename.0.to': 'eng',
    });
    expect(res.status, await res.clone().text()).toBe(303);
    const stored = (await getSource(database(env.DB), keyring(env), source.slug))!;
    expect(stored.source).toMatchObject({ name: 'Renamed IdP', group_map: { rename: { Engineering: 'eng' } }, trust_email_for_linking: false });
    expect(stored.secrets.client_secret).toBe('kept-secret');
  });

  it('deletes only after confirmation, with CSRF, and audits it', async () => {
    const { browser, user } = await signedInAdmin();
    const source = await storedSource();
    const confirm = await page(browser, `/admin/identity-sources/${source.slug}/delete`);
    expect(confirm).toContain('This cannot be undone');
    const forged = await postForm(browser, `/admin/identity-sources/${source.slug}/delete`, { csrf: 'forged' });
    expect(forged.status).toBe(403);
    const res = await postForm(browser, `/admin/identity-sources/${source.slug}/delete`, hiddenFields(confirm));
    expect(res.status).toBe(303);
    expect(await getSource(database(env.DB), keyring(env), source.slug)).toBeNull();
    const events = await auditUntil('type=source.delete', (e) => e.some((x) => x.target === source.slug));
    expect(events.find((x) => x.target === source.slug)!.actor).toBe(user.id);
  });

  it('the app form picks a primary source; the app page shows it and the SSO URL with ?idp=', async () => {
    const { browser } = await signedInAdmin();
    const source = await storedSource({ name: 'Primary IdP' });
    const form = await page(browser, '/admin/apps/new?type=jwt_sso');
    expect(form).toContain(`<option value="${source.slug}"`);
    const res = await postForm(browser, '/admin/apps/new', {
      ...hiddenFields(form),
      name: 'Federated',
      redirect_urls: 'https://app.example.com/cb',
      signing_alg: 'HS256',
      response_mode: 'query',
      token_ttl_seconds: '300',
      identity_source: source.slug,
    });
    expect(res.status).toBe(303);
    const appPath = new URL(res.headers.get('location')!, ORIGIN).pathname;
    const html = decode(await page(browser, appPath));
    expect(html).toContain('Primary identity source');
    expect(html).toContain('Primary IdP');
    const clientId = appPath.split('/').pop()!;
    expect(html).toContain(`https://sso.test/sso/jwt/${clientId}?idp=${source.slug}`);
    const app = (await (await admin('GET', `/apps/${clientId}`)).json()) as { identity_source: string };
    expect(app.identity_source).toBe(source.slug);
  });

  it('shows the redirect URI to register before the source exists, from the slug as typed, and links edge-sso’s guide', async () => {
    const { browser } = await signedInAdmin();
    const form = await page(browser, '/admin/identity-sources/new?type=github');
    // No slug typed yet: the one the default name gives.
    expect(form).toMatch(/<code id="callback-preview" data-base="https:\/\/sso\.test\/federation\/">https:\/\/sso\.test\/federation\/github\/callback<\/code>/);
    expect(form).toContain('href="/admin/docs/identity-providers#github"');
    // Without script, the form comes back (here refused: no client ID) with the URI of the slug typed.
    const res = await postForm(browser, '/admin/identity-sources/new?type=github', { ...hiddenFields(form), name: 'GitHub', slug: 'gh-corp', client_id: '', client_secret: 's' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('>https://sso.test/federation/gh-corp/callback</code>');
    // The guide is served in the console, each provider's section anchored by its type.
    const guide = await page(browser, '/admin/docs/identity-providers');
    expect(guide).toContain('<h2 id="github">GitHub and GitHub Enterprise Server (`github`)</h2>');
    expect(guide).toContain('<h2 id="entra">');
    expect(guide).toContain('<a href="https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/creating-an-oauth-app" rel="noopener noreferrer">creating an OAuth app</a>');
  });

  it('edits group mapping as fields; offers none for GitHub, which has no groups claim', async () => {
    const { browser } = await signedInAdmin();
    const github = await page(browser, '/admin/identity-sources/new?type=github');
    expect(github).not.toContain('name="group_map.claim"');
    expect(github).toContain('GitHub sends no groups');
    const oidc = await page(browser, '/admin/identity-sources/new?type=oidc');
    expect(oidc).toContain('name="group_map.claim"');
    expect(oidc).toContain('name="group_map.rename.0.from"');
    expect(oidc).not.toContain('name="group_map.rename"');

    const source = await storedSource({ group_map: { claim: 'roles', prefix: 'acme:', rename: { Engineering: 'eng', Finance: 'fin' } } });
    const shown = await page(browser, `/admin/identity-sources/${source.slug}`);
    expect(shown).toContain('Claim <code>roles</code>, prefix <code>acme:</code>');
    expect(shown).toContain('<code>Engineering</code> → <code>eng</code>');
    expect(shown).not.toContain('{&quot;claim&quot;');
    // The edit form has one row per pair and two empty ones to add more.
    const edit = await page(browser, `/admin/identity-sources/${source.slug}/edit`);
    expect(edit).toContain('name="group_map.rename.1.to" value="fin"');
    expect(edit).toContain('name="group_map.rename.3.from" value=""');
    expect(edit).not.toContain('name="group_map.rename.4.from"');
  });

  it('audits an edit as old → new per field, and a new secret only as changed', async () => {
    const { browser, user } = await signedInAdmin();
    const source = await storedSource({ name: 'Before' });
    const edit = await page(browser, `/admin/identity-sources/${source.slug}/edit`);
    // Text fields as shown (checkboxes aside: a browser sends only the ticked ones).
    const fields = Object.fromEntries([...edit.matchAll(/<input(?: type="text")? id="([^"]+)" name="\1"[^>]*? value="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)]));
    const res = await postForm(browser, `/admin/identity-sources/${source.slug}/edit`, { ...fields, ...hiddenFields(edit), name: 'After', client_secret: 'brand-new-secret', enabled: 'on', show_on_login_page: 'on' });
    expect(res.status, await res.clone().text()).toBe(303);
    const events = await auditUntil(`type=source.update&user=${user.id}`, (e) => e.length > 0);
    expect(events[0]!.detail).toEqual({ changes: { name: { from: 'Before', to: 'After' }, client_secret: 'changed' } });
    expect(JSON.stringify(events)).not.toContain('brand-new-secret');
  });
});
