// Console: Signing keys. The issuer's keys by algorithm and state, rotation, PEM download.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { settingsFrom } from '../../env';
import { nowSeconds } from '../../lib/time';
import { csrfToken } from '../../http/csrf';
import { NotFoundError, RequestError } from '../../lib/errors';
import { ASYMMETRIC_ALGS, listSigningKeys, publicKeyPem, rotateSigningKey, type AsymmetricAlg } from '../../tokens/keys';
import { actorOf, type ConsoleContext, type ConsoleEnv } from './context';
import { ConfirmPage, ConsolePage, noticeFrom } from './layout';
import { countNotCurrent } from '../../encryption/reencrypt';
import { dbOf } from '../../http/context';
import { keyring } from '../../lib/secret-box';
import { EncryptionCard, encryptionPages } from './encryption';
import { DataTable } from '../../ui/table';

export const keyPages = new Hono<ConsoleEnv>();

const date = (seconds: number | null) => (seconds ? new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '');
const delayText = (c: ConsoleContext) => {
  const seconds = settingsFrom(c.env).keyActivationDelaySeconds;
  return seconds === 0 ? 'no time' : seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} seconds`;
};
const isAlg = (value: string): value is AsymmetricAlg => (ASYMMETRIC_ALGS as readonly string[]).includes(value);

/** The keys page; `refusal` explains an action that could not be done (shown with status 409). */
async function keysPage(c: ConsoleContext, refusal?: string) {
  const keys = await listSigningKeys(c.env);
  const ring = keyring(c.env);
  const sealed = await countNotCurrent(dbOf(c), ring);
  return c.html(
    <ConsolePage c={c} title="Signing keys" notice={noticeFrom(c)}>
      {refusal && (
        <div class="alert" role="alert" id="key-refusal">
          {refusal}
        </div>
      )}
      <div class="card">
        <p>
          RS256 and ES256 apps get tokens signed with the active key of their algorithm; apps verify them with the public keys at <code>/.well-known/jwks.json</code>. A key is
          created the first time it is needed. HS256 apps are signed with their own client secret instead.
        </p>
        <p class="muted">
          Rotation publishes a new key at once and makes it sign {delayText(c)} later, so that every verifier's cached JWKS knows it first. The previous key then stays
          published (retiring) until every token it signed has expired, so nothing breaks.
        </p>
      </div>
      {ASYMMETRIC_ALGS.map((alg) => {
        const mine = keys.filter((k) => k.alg === alg);
        return (
          <DataTable
            label={`${alg} keys`}
            rows={mine}
            rowAttributes={(k) => ({ 'data-kid': k.kid })}
            before={
              <div class="toolbar">
                <h2>{alg}</h2>
                <a class="button secondary inline" href={`/admin/keys/rotate/${alg}`}>
                  Rotate {alg} key
                </a>
              </div>
            }
            empty={<span class="muted">No {alg} key yet.</span>}
            columns={[
              { header: 'Key id (kid)', cell: (k) => <code>{k.kid}</code> },
              { header: 'State', cell: (k) => <span class={`badge ${k.state === 'active' ? 'ok' : k.state === 'retired' ? 'off' : 'warn'}`}>{k.state === 'next' ? 'published, not yet signing' : k.state}</span> },
              { header: 'Created', optional: true, cell: (k) => date(k.createdAt) },
              { header: 'Next change', optional: true, cell: (k) => (k.state === 'next' ? `signs from ${date(k.changesAt)}` : k.state === 'retiring' ? `leaves the JWKS ${date(k.changesAt)}` : '') },
              {
                header: '',
                cell: (k) =>
                  k.state !== 'retired' && (
                    <a href={`/admin/keys/${encodeURIComponent(k.kid)}.pem`} download={`edge-sso-${alg}-${k.kid}.pem`}>
                      PEM
                    </a>
                  ),
              },
            ]}
          />
        );
      })}
      <EncryptionCard c={c} remaining={sealed.total} previousConfigured={Boolean(ring.previous)} />
    </ConsolePage>,
    refusal ? 409 : 200,
  );
}

keyPages.get('/', (c) => keysPage(c));
keyPages.route('/', encryptionPages);

keyPages.get('/rotate/:alg', (c) => {
  const alg = c.req.param('alg');
  if (!isAlg(alg)) throw new NotFoundError('Only RS256 and ES256 keys can be rotated.');
  return c.html(
    <ConfirmPage
      c={c}
      title={`Rotate the ${alg} signing key?`}
      message={`A new ${alg} key is published in the JWKS now and signs new tokens ${delayText(c)} later. The current key stays in the JWKS until its tokens have expired. Apps that pinned the current key as PEM must download the new one.`}
      action={`/admin/keys/rotate/${alg}`}
      button={`Rotate ${alg} key`}
      back="/admin/keys"
      csrf={csrfToken(c)}
    />,
  );
});

keyPages.post('/rotate/:alg', async (c) => {
  const alg = c.req.param('alg');
  if (!isAlg(alg)) throw new NotFoundError('Only RS256 and ES256 keys can be rotated.');
  const pending = (await listSigningKeys(c.env)).find((k) => k.alg === alg && k.state === 'next');
  if (pending && pending.changesAt !== null && pending.changesAt > nowSeconds()) {
    // Not an error page: the admin stays on the keys page and sees why, and when to try again.
    return keysPage(c, `Not rotated: a new ${alg} key (${pending.kid}) is pending until ${date(pending.changesAt)}. It is published and starts signing then; rotate again after that.`);
  }
  let rotation;
  try {
    rotation = await rotateSigningKey(c.env, alg);
  } catch (error) {
    if (error instanceof RequestError && error.status === 409) return keysPage(c, error.message); // lost a race with another rotation
    throw error;
  }
  const { kid, activatesAt } = rotation;
  audit(c, { type: 'key.rotate', actor: actorOf(c), target: kid, detail: { alg } });
  return c.redirect(`/admin/keys?notice=${activatesAt > nowSeconds() ? 'key_published' : 'key_rotated'}`, 303);
});

keyPages.get('/:file{[A-Za-z0-9_-]+\\.pem}', async (c) => {
  const kid = c.req.param('file').replace(/\.pem$/, '');
  const pem = await publicKeyPem(c.env, kid);
  if (!pem) throw new NotFoundError('No such key.');
  c.header('Content-Type', 'application/x-pem-file');
  c.header('Content-Disposition', `attachment; filename="edge-sso-${kid}.pem"`);
  return c.body(pem);
});

