// Console: the key-encryption-key card on the Signing keys page: how many stored values still
// need KEY_ENCRYPTION_KEY_PREVIOUS, and a button that re-seals them now (README, "Rotating the
// key-encryption key").
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { reencryptStoredValues } from '../../encryption/reencrypt';
import { CSRF_FIELD, csrfToken } from '../../http/csrf';
import { dbOf } from '../../http/context';
import { keyring } from '../../lib/secret-box';
import { actorOf, type ConsoleContext, type ConsoleEnv } from './context';

export function EncryptionCard(props: { c: ConsoleContext; remaining: number; previousConfigured: boolean }) {
  const { remaining, previousConfigured } = props;
  return (
    <div class="card" id="encryption">
      <h2>Key-encryption key</h2>
      <p>
        App secrets, private keys, identity-source secrets and authenticator secrets are encrypted with <code>KEY_ENCRYPTION_KEY</code>.{' '}
        {previousConfigured ? (
          <>
            A rotation is under way: <code>KEY_ENCRYPTION_KEY_PREVIOUS</code> is set and still opens what it encrypted.
          </>
        ) : (
          <>No previous key is set.</>
        )}
      </p>
      <p>
        <strong data-testid="kek-remaining">{remaining}</strong> stored {remaining === 1 ? 'value still needs' : 'values still need'} the previous key.{' '}
        {remaining === 0
          ? previousConfigured
            ? 'The previous key can be deleted now (wrangler secret delete KEY_ENCRYPTION_KEY_PREVIOUS).'
            : ''
          : 'The daily maintenance re-encrypts them in batches, or re-encrypt them now.'}
      </p>
      {remaining > 0 && (
        <form method="post" action="/admin/keys/reencrypt">
          <input type="hidden" name={CSRF_FIELD} value={csrfToken(props.c)} />
          <button type="submit">Re-encrypt now</button>
        </form>
      )}
    </div>
  );
}

export const encryptionPages = new Hono<ConsoleEnv>();

encryptionPages.post('/reencrypt', async (c) => {
  const report = await reencryptStoredValues(dbOf(c), keyring(c.env));
  audit(c, { type: 'encryption.reencrypt', actor: actorOf(c), detail: { ...report } });
  return c.redirect(`/admin/keys?notice=${report.remaining === 0 ? 'reencrypted' : 'reencrypt_incomplete'}#encryption`, 303);
});
