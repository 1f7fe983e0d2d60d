// Self sign-up: closed by default, domain allow-list, common passwords refused, the same answer
// for new and existing addresses, verification before use, approval, limits and Turnstile.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createUser, PASSWORD, unique } from '../helpers';
import { adminCall, linkIn, mailsTo, Person, setExtraEnv } from './support';

const GOOD = 'tangerine lighthouse 42';

async function openSignup(settings: Record<string, unknown> = {}) {
  const res = await adminCall('PATCH', '/signup', { enabled: true, allowed_domains: [], require_approval: false, ...settings });
  expect(res.status).toBe(200);
}

const signUp = (person: Person, fields: Record<string, string>) => person.submit('/signup', '/signup', { name: 'Zoë Ångström', password: GOOD, ...fields });

afterEach(async () => {
  setExtraEnv({});
  vi.restoreAllMocks();
  await adminCall('PATCH', '/signup', { enabled: false, allowed_domains: [], require_approval: false });
});

describe('self sign-up', () => {
  it('is closed by default: no form, no link on the login page', async () => {
    expect(await (await adminCall('GET', '/signup')).json()).toEqual({ enabled: false, allowed_domains: [], require_approval: false });
    const res = await new Person().fetch('/signup');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('invitation');
    expect(await (await new Person().fetch('/login')).text()).not.toContain('href="/signup"');
  });

  it('creates the account only once the address is verified, then signs the person in', async () => {
    await openSignup();
    expect(await (await new Person().fetch('/login')).text()).toContain('href="/signup"');
    const email = `${unique('new')}@example.com`;
    const person = new Person();
    const res = await signUp(person, { email });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Check your inbox');
    expect((await new Person().signIn(email, GOOD)).status).toBe(401); // nothing exists yet

    const link = linkIn(mailsTo(email).at(-1));
    expect(link).toMatch(/^\/signup\/verify\?token=/);
    // Opening the link (as a mail scanner would) uses nothing: a button posts it.
    expect((await person.fetch(link)).status).toBe(200);
    const done = await person.submit(link, '/signup/verify', {});
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/my-apps');
    expect((await person.fetch('/my-apps')).status).toBe(200);

    const users = (await (await adminCall('GET', `/users?q=${encodeURIComponent(email)}`)).json()) as { users: { email: string; email_verified: boolean; name: string }[] };
    expect(users.users[0]).toMatchObject({ email, email_verified: true, name: 'Zoë Ångström' });
    expect((await new Person().signIn(email, GOOD)).status).toBe(303);
    expect((await person.fetch(link)).status).toBe(410);
  });

  it('answers the same for an address that already has an account, and mails its owner instead', async () => {
    await openSignup();
    const existing = await createUser();
    const fresh = `${unique('fresh')}@example.com`;
    const a = await signUp(new Person(), { email: existing.email });
    const b = await signUp(new Person(), { email: fresh });
    expect(a.status).toBe(b.status);
    expect((await a.text()).replaceAll(existing.email, 'X').replace(/nonce="[^"]+"/g, '')).toBe((await b.text()).replaceAll(fresh, 'X').replace(/nonce="[^"]+"/g, ''));
    const owner = mailsTo(existing.email).at(-1)!;
    expect(owner.subject).toContain('already have an account');
    expect(owner.text).not.toMatch(/signup\/verify/);
    expect((await new Person().signIn(existing.email, PASSWORD)).status).toBe(303); // nothing changed
  });

  it('accepts only the allowed domains, exactly', async () => {
    await openSignup({ allowed_domains: ['Example.org'] });
    for (const email of [`${unique('a')}@other.com`, `${unique('b')}@sub.example.org`, `${unique('c')}@evil-example.org`]) {
      const res = await signUp(new Person(), { email });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('open to addresses at example.org only');
      expect(mailsTo(email)).toHaveLength(0);
    }
    const ok = `${unique('d')}@EXAMPLE.org`;
    expect((await signUp(new Person(), { email: ok })).status).toBe(200);
    expect(mailsTo(ok.toLowerCase())).toHaveLength(1);
  });

  it('refuses common passwords, whatever their case, and short ones', async () => {
    await openSignup();
    for (const password of ['password1', 'PASSWORD', 'Qwerty123', 'iloveyou', 'short']) {
      const email = `${unique('weak')}@example.com`;
      const res = await signUp(new Person(), { email, password });
      expect(res.status).toBe(400);
      expect(mailsTo(email)).toHaveLength(0);
    }
  });

  it('with approval required, a verified account waits for an admin', async () => {
    await openSignup({ require_approval: true });
    const email = `${unique('wait')}@example.com`;
    const person = new Person();
    await signUp(person, { email });
    const done = await person.submit(linkIn(mailsTo(email).at(-1)), '/signup/verify', {});
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('administrator must approve');
    expect((await new Person().signIn(email, GOOD)).status).toBe(403);

    const pending = (await (await adminCall('GET', '/signups/pending')).json()) as { pending: { user_id: string; email: string }[] };
    const entry = pending.pending.find((p) => p.email === email)!;
    expect(entry).toBeDefined();
    expect((await adminCall('POST', `/signups/${entry.user_id}/approve`)).status).toBe(200);
    expect((await adminCall('POST', `/signups/${entry.user_id}/approve`)).status).toBe(404);
    expect(mailsTo(email).at(-1)!.subject).toContain('ready');
    expect((await new Person().signIn(email, GOOD)).status).toBe(303);
  });

  it('limits sign-ups per client address', async () => {
    await openSignup();
    const person = new Person();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await signUp(person, { email: `${unique('many')}@example.com` })).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('with Turnstile configured, shows the widget and refuses a form whose answer siteverify rejects', async () => {
    await openSignup();
    setExtraEnv({ TURNSTILE_SITE_KEY: '1x00000000000000000000AA', TURNSTILE_SECRET_KEY: 'turnstile-secret' });
    const seen: { secret: string; response: string; remoteip: string }[] = [];
    const real = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url !== 'https://challenges.cloudflare.com/turnstile/v0/siteverify') return real(input, init);
      const form = await new Response(init!.body as FormData).formData();
      const entry = { secret: String(form.get('secret')), response: String(form.get('response')), remoteip: String(form.get('remoteip')) };
      seen.push(entry);
      return Response.json({ success: entry.secret === 'turnstile-secret' && entry.response === 'good-answer' });
    });
    const person = new Person('203.0.113.9');
    const page = await person.fetch('/signup');
    const html = await page.text();
    expect(html).toContain('class="cf-turnstile" data-sitekey="1x00000000000000000000AA"');
    expect(page.headers.get('content-security-policy')).toContain('frame-src https://challenges.cloudflare.com');

    const refusedEmail = `${unique('bot')}@example.com`;
    expect((await signUp(person, { email: refusedEmail })).status).toBe(400);
    expect((await signUp(person, { email: refusedEmail, 'cf-turnstile-response': 'forged' })).status).toBe(400);
    expect(mailsTo(refusedEmail)).toHaveLength(0);

    const email = `${unique('human')}@example.com`;
    expect((await signUp(person, { email, 'cf-turnstile-response': 'good-answer' })).status).toBe(200);
    expect(mailsTo(email)).toHaveLength(1);
    expect(seen.at(-1)).toEqual({ secret: 'turnstile-secret', response: 'good-answer', remoteip: '203.0.113.9' });
  });
});

describe('a verification link after the rules changed', () => {
  afterEach(async () => {
    await adminCall('PATCH', '/signup', { enabled: false, allowed_domains: [], require_approval: false });
  });

  it('creates no account once sign-up is closed or the domain is no longer allowed', async () => {
    await openSignup();
    const closedEmail = `${unique('closed')}@example.com`;
    const movedEmail = `${unique('moved')}@example.com`;
    const person = new Person();
    await signUp(person, { email: closedEmail });
    await signUp(person, { email: movedEmail });
    const closedLink = linkIn(mailsTo(closedEmail).at(-1));
    const movedLink = linkIn(mailsTo(movedEmail).at(-1));

    await adminCall('PATCH', '/signup', { allowed_domains: ['example.org'] });
    expect((await person.submit(movedLink, '/signup/verify', {})).status).toBe(404);
    await adminCall('PATCH', '/signup', { enabled: false });
    expect((await person.post('/signup/verify', { csrf: person.cookies.get('__Host-edge-sso-csrf')!, token: new URL(closedLink, 'https://x').searchParams.get('token')! })).status).toBe(404);
    for (const email of [closedEmail, movedEmail]) expect((await new Person().signIn(email, GOOD)).status).toBe(401);
  });
});
