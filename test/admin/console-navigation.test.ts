// The console's sidebar (src/admin/console/navigation.ts): sections grouped by task with the
// current one marked, and the login page that opening /admin leads to says it is the console's.
import { describe, expect, it } from 'vitest';
import { Browser, createApp, createUser, PASSWORD } from '../helpers';

async function signedInAdmin() {
  const user = await createUser({ roles: ['admin'] });
  const browser = new Browser();
  expect((await browser.signInThrough('/admin', user.email, PASSWORD)).status).toBe(200);
  return browser;
}

/** The sidebar as headings and link labels in order; `*label` marks the aria-current one. */
function sidebar(html: string): string[] {
  const nav = /<nav aria-label="Sections">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  return [...nav.matchAll(/<h2 class="nav-heading">([^<]*)<\/h2>|<a href="([^"]+)"( aria-current="page")?>([^<]*)<\/a>/g)].map((m) =>
    m[1] !== undefined ? `# ${m[1]}` : `${m[3] ? '*' : ''}${m[4]} ${m[2]}`,
  );
}

describe('console navigation', () => {
  it('groups the sections under headings and marks the current one, also on a page inside a section', async () => {
    const browser = await signedInAdmin();
    const home = await (await browser.fetch('/admin')).text();
    expect(sidebar(home)).toEqual([
      '*Dashboard /admin',
      'Applications /admin/apps',
      '# People',
      'Users /admin/users',
      'Groups /admin/groups',
      'Onboarding /admin/onboarding',
      'Provisioning /admin/provisioning',
      '# Sign-in',
      'Identity sources /admin/identity-sources',
      'Multi-factor /admin/security',
      'Protection /admin/protection',
      '# Settings',
      'Signing keys /admin/keys',
      'Branding /admin/branding',
      'Email /admin/email',
      'Backup and move /admin/backup',
      'Audit log /admin/audit',
    ]);
    // The sidebar collapses behind "Menu" on a phone: a <details> that needs no script.
    expect(home).toMatch(/<details class="console-menu"><summary>Menu/);
    expect(home).toContain('<a class="skip-link" href="#content">');

    const app = await createApp();
    const appPage = await (await browser.fetch(`/admin/apps/${app.client_id}/test`)).text();
    expect(sidebar(appPage).filter((l) => l.startsWith('*'))).toEqual(['*Applications /admin/apps']);
    const keys = await (await browser.fetch('/admin/keys')).text();
    expect(sidebar(keys).filter((l) => l.startsWith('*'))).toEqual(['*Signing keys /admin/keys']);
  });

  it('the login page reached from /admin says it is the console’s sign-in; the plain and an app’s login page do not', async () => {
    const browser = new Browser();
    const gate = await browser.fetch('/admin/users');
    expect(gate.status).toBe(303);
    const login = await (await browser.fetch(gate.headers.get('location')!)).text();
    expect(login).toContain('<title>Sign in to the admin console · ');
    expect(login).toContain('<h1>Sign in to the admin console</h1>');

    const plain = await (await new Browser().fetch('/login')).text();
    expect(plain).toContain('<h1>Sign in</h1>');
    expect(plain).not.toContain('admin console');

    const app = await createApp({ name: 'Admin Tools' });
    const sso = await new Browser().fetch(`/sso/jwt/${app.client_id}`);
    const appLogin = await (await new Browser().fetch(sso.headers.get('location')!)).text();
    expect(appLogin).toContain('<h1>Sign in</h1>');
    expect(appLogin).toContain('to continue to Admin Tools');
    expect(appLogin).not.toContain('admin console');
  });
});
