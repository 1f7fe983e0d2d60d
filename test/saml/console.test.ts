// The console's SAML app pages, as an admin uses them: Add application leads to "Add a SAML app";
// pasting the SP's metadata creates the app, whose page shows what to give the SP.
import { describe, expect, it } from 'vitest';
import { Browser, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';
import { spMetadata } from './support';

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/apps', user.email, PASSWORD)).status).toBe(200);
  return browser;
}

const post = (browser: Browser, path: string, csrfFrom: string, fields: Record<string, string>) =>
  browser.fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    body: new URLSearchParams({ ...hiddenFields(csrfFrom), ...fields }),
  });

describe('console: SAML apps', () => {
  it('Add application offers a SAML app; pasted metadata creates it; its page and edit form are the SAML ones', async () => {
    const browser = await signedInAdmin();
    // The first step asks what kind of app it is; "SAML app" leads to the SAML form.
    expect(await (await browser.fetch('/admin/apps/new')).text()).toMatch(/<input[^>]*name="type"[^>]*value="saml"/);
    const chosen = await browser.fetch('/admin/apps/new?type=saml', { redirect: 'manual' });
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get('location')).toBe('/admin/apps/new-saml');
    const form = await (await browser.fetch('/admin/apps/new-saml')).text();
    expect(form).toContain('name="metadata_xml"');

    const bad = await post(browser, '/admin/apps/new-saml', form, { name: 'Wiki', metadata_xml: '<not-metadata/>' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('is not SAML metadata');

    const entityId = `https://${unique('wiki')}.example.com/saml`;
    const created = await post(browser, '/admin/apps/new-saml', form, { name: 'Wiki', metadata_xml: spMetadata({ entityId, acs: ['https://wiki.example.com/acs'] }), name_id_format: 'persistent', 'attr.email': 'mail' });
    expect(created.status).toBe(303);
    const page = await (await browser.fetch(created.headers.get('location')!)).text();
    expect(page).toContain(`${ORIGIN}/saml/metadata`);
    expect(page).toContain(entityId);
    expect(page).toContain('https://wiki.example.com/acs');
    expect(page).toContain('email → mail');
    expect(page).not.toContain('client_secret');

    const path = new URL(created.headers.get('location')!, ORIGIN).pathname;
    const edit = await (await browser.fetch(`${path}/edit`)).text();
    expect(edit).toContain('name="entity_id"');
    const saved = await post(browser, `${path}/edit`, edit, { ...hiddenFields(edit), name: 'Wiki 2', entity_id: entityId, acs_url: 'https://wiki.example.com/acs\nhttps://wiki.example.com/acs2', name_id_format: 'email', sign: 'both', 'attr.email': 'mail', 'attr.name': 'name', 'attr.given_name': '', 'attr.family_name': '', 'attr.groups': 'groups', access: 'everyone', mfa: 'optional' });
    expect(saved.status).toBe(303);
    const after = await (await browser.fetch(path)).text();
    expect(after).toContain('Wiki 2');
    expect(after).toContain('https://wiki.example.com/acs2');
  });
});
