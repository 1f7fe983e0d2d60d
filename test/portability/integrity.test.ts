// The whole export document is authenticated (version 2): changing any field outside the sealed
// secrets (a user's email, their roles or MFA flag, an app's redirect URL, an added user) makes
// the import the same 400 as a wrong passphrase, and nothing is written. A version-1 document
// (which authenticated only its secrets) is refused with a message to export again. The console
// and the CLI (which posts to this API) go through the same importDeployment; the console's
// changed-file case is in test/admin/backup-console.test.ts.
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { admin, createApp, createUser, unique, type CreatedApp } from '../helpers';

const PASSPHRASE = 'a passphrase for the integrity test';
const CHANGED = 'The passphrase does not open this export, or the file was changed after it was exported. Nothing was imported.';

type Doc = { version: number; mac?: string; encryption: Record<string, unknown>; tables: Record<string, Record<string, any>[]> };

const countUsers = async () => (await env.DB.prepare('select count(*) as n from users').first<{ n: number }>())!.n;
const countRedirects = async () => (await env.DB.prepare('select count(*) as n from app_redirect_uris').first<{ n: number }>())!.n;

async function importing(document: unknown): Promise<{ status: number; body: any }> {
  const res = await admin('POST', '/import', { passphrase: PASSPHRASE, document });
  return { status: res.status, body: await res.json() };
}

// Each import derives an Argon2id key (64 MiB, t=3): seconds each on a busy machine.
describe('an export document changed after export', { timeout: 180_000 }, () => {
  let document: Doc;
  let user: { id: string; email: string };
  let app: CreatedApp;
  const userRow = (doc: Doc) => doc.tables.users!.find((u) => u.id === user.id)!;

  beforeAll(async () => {
    // Exported, then deleted here: an import that was let through would bring them back (or their changed copies).
    user = await createUser({ email: `${unique('moved')}@example.com` });
    app = await createApp({ name: 'Moved app', redirect_urls: [`https://${unique('app')}.example.com/callback`] });
    const res = await admin('POST', '/export', { passphrase: PASSPHRASE });
    expect(res.status).toBe(200);
    document = await res.json();
    expect((await admin('DELETE', `/users/${user.id}`)).status).toBe(204);
    expect((await admin('DELETE', `/apps/${app.client_id}`)).status).toBe(204);
  }, 120_000);

  it('carries version 2 and a MAC over the rest', () => {
    expect(document).toMatchObject({ format: 'edge-sso-export', version: 2, encryption: { kdf: 'argon2id', mac: 'HS256' } });
    expect(document.mac).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes of HMAC-SHA-256
    expect(userRow(document)).toMatchObject({ email: user.email, roles: [], mfaRequired: false });
  });

  const changes: [string, (doc: Doc) => void][] = [
    ["a user's email", (doc) => void (userRow(doc).email = 'attacker@example.com')],
    ["a user's roles (made an admin)", (doc) => void (userRow(doc).roles = ['admin'])],
    ["a user's MFA requirement", (doc) => void (userRow(doc).mfaRequired = true)],
    ["an app's redirect URL", (doc) => void (doc.tables.app_redirect_uris!.find((r) => r.clientId === app.client_id)!.url = 'https://attacker.example/callback')],
    ['an added admin user', (doc) => void doc.tables.users!.push({ ...userRow(doc), id: crypto.randomUUID(), email: 'added@example.com', passwordHash: null, roles: ['admin'] })],
  ];
  for (const [what, change] of changes) {
    it(`refuses ${what}: the same 400 as a wrong passphrase, nothing written`, async () => {
      const [users, redirects] = [await countUsers(), await countRedirects()];
      const doc = structuredClone(document);
      change(doc);
      const { status, body } = await importing(doc);
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'wrong_passphrase', message: CHANGED });
      expect([await countUsers(), await countRedirects()]).toEqual([users, redirects]);
      expect((await admin('GET', `/users/${user.id}`)).status).toBe(404);
      expect((await admin('GET', `/apps/${app.client_id}`)).status).toBe(404);
    });
  }

  it('a wrong passphrase is answered exactly like a changed file', async () => {
    const res = await admin('POST', '/import', { passphrase: 'not the passphrase of this export', document });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'wrong_passphrase', message: CHANGED });
  });

  it('refuses a document without its MAC, and a version-1 document (asking for a new export), writing nothing', async () => {
    const users = await countUsers();
    const { mac: _mac, ...stripped } = structuredClone(document);
    expect(await importing(stripped)).toMatchObject({ status: 400, body: { message: CHANGED } });
    // Anyone can write "version": 1 and drop the MAC: the old format is not read at all.
    const old = { ...stripped, version: 1, encryption: { ...stripped.encryption, mac: undefined, check: 'AAAA.BBBB' } };
    const { status, body } = await importing(old);
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_document');
    expect(body.message).toMatch(/^This export is version 1, .* export again from the source deployment/);
    expect(await countUsers()).toBe(users);
    expect((await admin('GET', `/users/${user.id}`)).status).toBe(404);
  });

  it('imports the untouched document, even re-indented with its keys reordered', async () => {
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(document).reverse()), null, 2));
    const { status, body } = await importing(reordered);
    expect(status).toBe(200);
    expect(body.imported).toMatchObject({ users: 1, apps: 1 });
    expect(await (await admin('GET', `/users/${user.id}`)).json()).toMatchObject({ email: user.email });
    expect(((await (await admin('GET', `/apps/${app.client_id}`)).json()) as { redirect_urls: string[] }).redirect_urls).toEqual(app.redirect_urls);
  });
});
