// /api/admin: sign-in protection (lockouts), signing keys, branding and the audit log.
import { Hono } from 'hono';
import { audit } from '../../audit/audit';
import { parseAuditFilters, searchAuditEvents } from '../../audit/query';
import { brandingToJson, checkBranding, compactBranding } from '../../policy/branding';
import { loadGlobalBranding, saveGlobalBranding } from '../../branding/store';
import type { AppContext, AppEnv } from '../../http/context';
import { NotFoundError, ValidationError } from '../../lib/errors';
import { asObject } from '../../lib/validation';
import { listLockouts, throttleKeys, unlock, type Lockout } from '../../login/throttle';
import { ASYMMETRIC_ALGS, listSigningKeys, rotateSigningKey, type AsymmetricAlg } from '../../tokens/keys';
import { API_ACTOR as ACTOR, db, paging, readJson } from './request';
import { fieldChanges } from '../../audit/changes';

export const operationsApi = new Hono<AppEnv>();

// --- Sign-in protection -------------------------------------------------------------------

operationsApi.get('/lockouts', async (c) => {
  const lockouts = await listLockouts(db(c));
  return c.json({
    lockouts: lockouts.map((l) => ({
      kind: l.kind,
      ...lockoutSubject(l),
      failures: l.failures,
      locked_until: new Date(l.lockedUntil * 1000).toISOString(),
    })),
  });
});

/** A lockout's subject as JSON fields. */
function lockoutSubject(l: Lockout): Record<string, string> {
  if (l.kind === 'email') return { email: l.subject };
  if (l.kind === 'mfa') return { user_id: l.subject };
  if (l.kind === 'directory') {
    const at = l.subject.indexOf(':');
    return { source: l.subject.slice(0, at), subject: l.subject.slice(at + 1) };
  }
  return { address: l.subject };
}

async function unlockAndAudit(c: AppContext, key: string, label: string) {
  if (!(await unlock(db(c), key))) throw new NotFoundError(`No failed sign-ins are recorded for "${label}".`);
  audit(c, { type: 'lockout.unlock', actor: ACTOR, target: label });
  return c.body(null, 204);
}

operationsApi.delete('/lockouts/ip/:address', (c) => {
  const address = c.req.param('address');
  return unlockAndAudit(c, throttleKeys.ip(address), `ip:${address}`);
});

operationsApi.delete('/lockouts/anonymous/:address', (c) => {
  const key = `anon:${c.req.param('address')}`;
  return unlockAndAudit(c, key, key);
});

operationsApi.delete('/lockouts/directory/:source/:subject', (c) => {
  const key = throttleKeys.directory(c.req.param('source'), c.req.param('subject'));
  return unlockAndAudit(c, key, key);
});

operationsApi.delete('/lockouts/mfa/:userId', (c) => {
  const userId = c.req.param('userId');
  return unlockAndAudit(c, throttleKeys.mfa(userId), `mfa:${userId}`);
});

operationsApi.delete('/lockouts/:email', (c) => {
  const email = c.req.param('email').toLowerCase();
  return unlockAndAudit(c, throttleKeys.email(email), email);
});

// --- Signing keys -------------------------------------------------------------------------

const iso = (seconds: number | null) => (seconds ? new Date(seconds * 1000).toISOString() : null);

operationsApi.get('/keys', async (c) => {
  const keys = await listSigningKeys(c.env);
  return c.json({
    keys: keys.map((k) => ({
      kid: k.kid,
      alg: k.alg,
      state: k.state,
      created_at: iso(k.createdAt),
      ...(k.state === 'next' ? { activates_at: iso(k.changesAt) } : { retired_at: iso(k.changesAt) }),
    })),
  });
});

operationsApi.post('/keys/:alg/rotate', async (c) => {
  const alg = c.req.param('alg');
  if (!(ASYMMETRIC_ALGS as readonly string[]).includes(alg)) throw new NotFoundError('Only RS256 and ES256 keys can be rotated.');
  const { kid, activatesAt } = await rotateSigningKey(c.env, alg as AsymmetricAlg);
  audit(c, { type: 'key.rotate', actor: ACTOR, target: kid, detail: { alg } });
  return c.json({ alg, kid, activates_at: iso(activatesAt) });
});

// --- Branding -----------------------------------------------------------------------------

operationsApi.get('/branding', async (c) => c.json(brandingToJson(await loadGlobalBranding(c.env))));

operationsApi.put('/branding', async (c) => {
  const fields = asObject(await readJson(c));
  const { values, errors } = checkBranding(fields);
  const unknown = Object.keys(fields).filter((k) => !Object.keys(brandingToJson({})).includes(k));
  for (const key of unknown) errors[key] = 'is not a known field';
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const saved = compactBranding(values);
  const previous = await loadGlobalBranding(c.env);
  await saveGlobalBranding(c.env, saved);
  audit(c, { type: 'branding.update', actor: ACTOR, target: 'global', detail: { changes: fieldChanges(brandingToJson(previous), brandingToJson(saved)) } });
  return c.json(brandingToJson(saved));
});

// --- Audit log ----------------------------------------------------------------------------

operationsApi.get('/audit', async (c) => {
  const page = paging(c);
  const { filters, errors } = parseAuditFilters((name) => c.req.query(name), { emptyTypeIsAll: false });
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const { events, total } = await searchAuditEvents(db(c), filters, page);
  return c.json({
    events: events.map((e) => ({ id: e.id, at: new Date(e.at * 1000).toISOString(), type: e.type, actor: e.actor, target: e.target, client_ip: e.clientIp, detail: e.detail })),
    total,
    limit: page.limit,
    offset: page.offset,
  });
});
