// The console's signing keys page when a rotation cannot happen yet: the admin stays on the page,
// with navigation, and reads why and until when.
import { env } from 'cloudflare:workers';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { Browser, createUser, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin/keys', user.email, PASSWORD)).status).toBe(200);
  return browser;
}

/** A rotation started elsewhere (another admin, a deployment with an activation delay): a `next` key that activates in 10 minutes. */
async function pendingKey(alg: 'ES256' | 'RS256') {
  const { publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `pending-${crypto.randomUUID()}`;
  const activatesAt = Math.floor(Date.now() / 1000) + 600;
  await env.DB.prepare("insert into signing_keys (kid, alg, public_jwk, private_jwk_encrypted, state, created_at) values (?, ?, ?, 'v1.unused', 'next', ?)")
    .bind(kid, alg, JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }), activatesAt)
    .run();
  return { kid, activatesAt };
}

describe('a second key rotation in the console', () => {
  it('shows the keys page with the reason and the time the pending key starts signing, not a bare error', async () => {
    const browser = await signedInAdmin();
    const { kid, activatesAt } = await pendingKey('ES256');
    try {
      const confirm = await (await browser.fetch('/admin/keys/rotate/ES256')).text();
      const res = await browser.fetch('/admin/keys/rotate/ES256', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
        body: new URLSearchParams({ csrf: hiddenFields(confirm).csrf! }),
      });
      expect(res.status).toBe(409);
      const html = await res.text();
      expect(html).not.toContain('That did not work');
      expect(html).toContain('<h1>Signing keys</h1>');
      expect(html).toContain('<nav aria-label="Sections">');
      const when = new Date(activatesAt * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
      expect(html).toContain(`a new ES256 key (${kid}) is pending until ${when}`);
      expect(html).toContain(`data-kid="${kid}"`);
      // Nothing was added: still exactly one pending ES256 key.
      const { results } = await env.DB.prepare("select kid from signing_keys where alg = 'ES256' and state = 'next'").all();
      expect(results).toEqual([{ kid }]);
    } finally {
      await env.DB.prepare('delete from signing_keys where kid = ?').bind(kid).run();
    }
  });
});
