// The authenticator app's entry (otpauth:// issuer and label) and the passkey's relying-party name
// carry the product's branding name, not the host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, createUser, ORIGIN } from '../helpers';
import { pageOptions, type CreationOptions } from './authenticator';
import { signedIn } from './support';

const PRODUCT = 'Acme Login';

describe('authenticator entries', () => {
  beforeAll(async () => {
    expect((await admin('PUT', '/branding', { product_name: PRODUCT })).status).toBe(200);
  });
  afterAll(async () => {
    await admin('PUT', '/branding', { product_name: '' });
  });

  it('are named after the branding, not the host', async () => {
    const user = await createUser();
    const html = await (await (await signedIn(user.email)).fetch('/account')).text();
    const uri = /href="(otpauth:\/\/[^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Acme%20Login:/);
    expect(uri).toContain('issuer=Acme%20Login');
    expect(uri).not.toContain(new URL(ORIGIN).host);
    expect(pageOptions<CreationOptions & { rp: { name: string } }>(html).rp).toMatchObject({ name: PRODUCT, id: new URL(ORIGIN).hostname });
  });
});
