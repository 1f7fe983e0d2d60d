// AssertionConsumerServiceIndex: an AuthnRequest may name its ACS by the index the SP's metadata
// gave it. A registered index selects that HTTP-POST endpoint; an unknown index (or one of an
// endpoint with another binding, or an index beside an AssertionConsumerServiceURL) is an error
// page, never a post to an unregistered URL.
import { describe, expect, it } from 'vitest';
import { admin, unique } from '../helpers';
import { signedIn } from '../oidc/support';
import { authnRequestXml, postedResponse, redirectPath, type SamlAppJson } from './support';

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/** An SP whose metadata lists ACS endpoints under non-contiguous indexes, one of them HTTP-Redirect. */
async function indexedSp() {
  const host = `https://${unique('sp')}.example.com`;
  const entityId = `${host}/saml`;
  const acs = { 0: `${host}/acs/default`, 3: `${host}/acs/three`, 7: `${host}/acs/seven`, 9: `${host}/acs/redirect` };
  const endpoint = (index: keyof typeof acs, binding: string, isDefault = false) =>
    `<md:AssertionConsumerService Binding="${binding}" Location="${acs[index]}" index="${index}"${isDefault ? ' isDefault="true"' : ''}/>`;
  const metadata =
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    endpoint(3, POST) + endpoint(0, POST, true) + endpoint(9, REDIRECT) + endpoint(7, POST) +
    `</md:SPSSODescriptor></md:EntityDescriptor>`;
  const res = await admin('POST', '/apps', { name: 'Indexed SP', type: 'saml', saml: { metadata_xml: metadata } });
  expect(res.status, await res.clone().text()).toBe(201);
  return { app: (await res.json()) as SamlAppJson & { saml: { acs_indexes: Record<string, string> } }, entityId, acs };
}

/** An AuthnRequest naming its ACS by index (no URL, no ProtocolBinding: the three are exclusive). */
const byIndex = (issuer: string, index: string, acsUrl?: string) =>
  authnRequestXml({ issuer, ...(acsUrl ? { acs: acsUrl } : {}) }).replace(`ProtocolBinding="${POST}"`, `AssertionConsumerServiceIndex="${index}"`);

describe('AssertionConsumerServiceIndex', () => {
  it('the admin API shows the registered indexes of the HTTP-POST endpoints', async () => {
    const { app, acs } = await indexedSp();
    expect(app.saml.acs_indexes).toEqual({ 0: acs[0], 3: acs[3], 7: acs[7] });
    expect(app.saml.acs_urls[0]).toBe(acs[0]);
  });

  it('a registered index selects that ACS: the response is posted there, with Destination and Recipient naming it', async () => {
    const { entityId, acs } = await indexedSp();
    const { browser } = await signedIn();
    for (const index of [3, 7, 0] as const) {
      const res = await browser.fetch(await redirectPath(byIndex(entityId, String(index)), { relayState: `rs-${index}` }));
      const posted = await postedResponse(res);
      expect(posted, `index ${index}: ${res.status}`).not.toBeNull();
      expect(posted!.target).toBe(acs[index]);
      expect(posted!.xml).toContain(`Destination="${acs[index]}"`);
      expect(posted!.xml).toContain(`Recipient="${acs[index]}"`);
    }
  });

  it('an unknown index, a non-POST endpoint’s index, a malformed one, or an index beside a URL is an error page and nothing is posted', async () => {
    const { entityId, acs } = await indexedSp();
    const { browser } = await signedIn();
    for (const [xml, message] of [
      [byIndex(entityId, '4'), /index 4/],
      [byIndex(entityId, '9'), /index 9/],
      [byIndex(entityId, '65536'), /AssertionConsumerServiceIndex/],
      [byIndex(entityId, '-1'), /AssertionConsumerServiceIndex/],
      [byIndex(entityId, '3x'), /AssertionConsumerServiceIndex/],
      [byIndex(entityId, '3', acs[3]), /both/],
    ] as const) {
      const res = await browser.fetch(await redirectPath(xml));
      expect(res.status, xml).toBe(400);
      expect(await postedResponse(res)).toBeNull();
      expect(await res.text()).toMatch(message);
    }
  });

  it('an app typed in without metadata has no indexes; a new acs_url list forgets the old ones', async () => {
    const { app, entityId, acs } = await indexedSp();
    const patched = await admin('PATCH', `/apps/${app.client_id}`, { saml: { acs_url: [acs[7]] } });
    expect(patched.status, await patched.clone().text()).toBe(200);
    expect(((await patched.json()) as { saml: { acs_indexes: Record<string, string> } }).saml.acs_indexes).toEqual({});
    const { browser } = await signedIn();
    const res = await browser.fetch(await redirectPath(byIndex(entityId, '7')));
    expect(res.status).toBe(400);
    expect(await postedResponse(res)).toBeNull();
  });
});
