// RSA-SHA1 through the ACS: a source refuses a SHA-1-signed response (signature method and
// digest) with a clear page and no session unless the admin turned `allow_sha1` on; the console
// says why SHA-1 is weak next to that switch.
import { beforeAll, describe, expect, it } from 'vitest';
import { admin, auditUntil, Browser, createUser, PASSWORD, unique } from '../../helpers';
import { assertionXml, createSource, postResponse, responseXml, signByIdSha1, startSignIn, testKey, type TestKey } from './idp';

const SESSION = '__Host-edge-sso-session';
let idp: TestKey;

beforeAll(async () => {
  idp = await testKey('old idp');
});

/** A sign-in on `source` answered with an assertion signed RSA-SHA1 over a SHA-1 digest. */
async function sha1SignIn(source: Record<string, any>) {
  const { browser, requestId, relayState } = await startSignIn(source.slug);
  const id = `_a${crypto.randomUUID()}`;
  const email = `${unique('sha1')}@example.org`;
  const assertion = assertionXml({ id, recipient: source.acs_url, audience: source.sp_entity_id, inResponseTo: requestId, nameId: unique('p'), attributes: { mail: [email] } });
  const xml = await signByIdSha1(responseXml({ destination: source.acs_url, inResponseTo: requestId, body: assertion }), id, idp);
  expect(xml).toContain('Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"');
  expect(xml).toContain('Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"');
  return { browser, email, res: await postResponse(browser, source.acs_url, xml, relayState) };
}

describe('SAML source: RSA-SHA1 signatures at the ACS', () => {
  it('without allow_sha1: a clear 400 page, no session, and the audit trail says SHA-1', async () => {
    const source = await createSource([idp.certificate]);
    const { browser, email, res } = await sha1SignIn(source);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('could not be accepted');
    expect(html).not.toMatch(/SHA-1 signature refused|stack|Error:/);
    expect(browser.cookies.has(SESSION)).toBe(false);
    const users = (await (await admin('GET', `/users?q=${encodeURIComponent(email)}`)).json()) as { total: number };
    expect(users.total).toBe(0);
    const failures = await auditUntil('type=login.failure&limit=50', (e) => e.some((ev) => ev.detail.source === source.slug));
    expect(failures.find((ev) => ev.detail.source === source.slug)!.detail.upstream).toMatch(/SHA-1 .* refused/);
  });

  it('with allow_sha1 on the source: the same kind of response signs the user in', async () => {
    const source = await createSource([idp.certificate], { allow_sha1: true });
    const { browser, email, res } = await sha1SignIn(source);
    expect(res.status, await res.clone().text()).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(true);
    const users = (await (await admin('GET', `/users?q=${encodeURIComponent(email)}`)).json()) as { users: { email: string }[] };
    expect(users.users.map((u) => u.email)).toEqual([email]);
  });

  it('the console shows the switch, off by default, with why SHA-1 is weak next to it', async () => {
    const user = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    expect((await browser.signInThrough('/admin/apps', user.email, PASSWORD)).status).toBe(200);
    const html = await (await browser.fetch('/admin/identity-sources/new?type=adfs-saml')).text();
    const field = /<input[^>]*name="allow_sha1"[^>]*>/.exec(html)?.[0];
    expect(field).toBeDefined();
    expect(field).not.toContain('checked');
    const after = html.slice(html.indexOf('name="allow_sha1"'), html.indexOf('name="allow_sha1"') + 1500);
    expect(after).toContain('Accept RSA-SHA1 signatures');
    expect(after).toMatch(/SHA-1 collisions are practical, so a SHA-1 signature proves much less/);
  });
});
