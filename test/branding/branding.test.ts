// Branding: the admin API's validation and storage, what the login page shows (global values,
// each app's overrides, the colour under the CSP nonce), that no admin-typed markup reaches a page,
// and the console's branding form.
import { describe, expect, it } from 'vitest';
import { admin, Browser, createApp, createUser, hiddenFields, ORIGIN, PASSWORD, unique } from '../helpers';

const EMPTY = { product_name: '', logo_url: '', primary_color: '', footer_text: '', footer_url: '' };

interface ErrorBody {
  error: string;
  fields?: Record<string, string>;
}

async function putBranding(body: unknown): Promise<Response> {
  return admin('PUT', '/branding', body);
}
async function saveBranding(body: Record<string, string>) {
  const res = await putBranding(body);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json<Record<string, string>>();
}
const getBranding = async () => (await admin('GET', '/branding')).json<Record<string, string>>();

/** The login page a browser sees for an app's SSO URL (or the bare login page). */
async function loginPage(clientId?: string): Promise<{ html: string; res: Response }> {
  const browser = new Browser();
  let path = '/login';
  if (clientId) {
    const first = await browser.fetch(`/sso/jwt/${clientId}`);
    expect(first.status).toBe(303);
    path = first.headers.get('location')!;
  }
  const res = await browser.fetch(path);
  expect(res.status).toBe(200);
  return { html: await res.text(), res };
}

function title(html: string) {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1];
}
function brand(html: string) {
  return /<p class="brand">(.*?)<\/p>/.exec(html)?.[1];
}
function styleNonce(res: Response) {
  return /style-src 'self' 'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
}

describe('PUT /api/admin/branding', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a colour name', { primary_color: 'red' }, 'primary_color'],
    ['a short hex colour', { primary_color: '#abc' }, 'primary_color'],
    ['a hex colour without #', { primary_color: '2456d6' }, 'primary_color'],
    ['a CSS expression as colour', { primary_color: '#000000; background: url(https://evil.example.com/)' }, 'primary_color'],
    ['an http logo', { logo_url: 'http://cdn.example.com/logo.png' }, 'logo_url'],
    ['a javascript: logo', { logo_url: 'javascript:alert(1)' }, 'logo_url'],
    ['a data: logo', { logo_url: 'data:image/svg+xml,<svg onload=alert(1)>' }, 'logo_url'],
    ['a logo URL with credentials', { logo_url: 'https://user:pw@cdn.example.com/logo.png' }, 'logo_url'],
    ['a relative logo', { logo_url: '/logo.png' }, 'logo_url'],
    ['a javascript: footer link', { footer_url: 'javascript:alert(1)' }, 'footer_url'],
    ['an http footer link', { footer_url: 'http://help.example.com/' }, 'footer_url'],
    ['markup in the product name', { product_name: '<script>alert(1)</script>' }, 'product_name'],
    ['a closing tag in the footer text', { footer_text: 'Help</a><script>' }, 'footer_text'],
    ['a control character in the product name', { product_name: 'Acme\u0000SSO' }, 'product_name'],
    ['a line break in the footer text', { footer_text: 'Help\ndesk' }, 'footer_text'],
    ['a product name over 60 characters', { product_name: 'n'.repeat(61) }, 'product_name'],
    ['a number as product name', { product_name: 42 }, 'product_name'],
    ['an unknown field', { accent: '#112233' }, 'accent'],
  ])('refuses %s with 400 naming the field, and keeps the saved branding', async (_, body, field) => {
    const saved = await saveBranding({ ...EMPTY, product_name: 'Kept' });
    const res = await putBranding(body);
    expect(res.status).toBe(400);
    const error = await res.json<ErrorBody>();
    expect(error.error).toBe('invalid_request');
    expect(Object.keys(error.fields ?? {})).toEqual([field]);
    expect(await getBranding()).toEqual(saved);
  });

  it('saves the values (trimmed), answers with them, and GET returns them; empty values mean the defaults', async () => {
    const body = {
      product_name: '  Acme SSO ',
      logo_url: 'https://cdn.example.com/acme.png',
      primary_color: '#AA3300',
      footer_text: 'Help desk',
      footer_url: 'https://help.example.com/',
    };
    const expected = { ...body, product_name: 'Acme SSO' };
    expect(await saveBranding(body)).toEqual(expected);
    expect(await getBranding()).toEqual(expected);
    // A field left out goes back to the default.
    expect(await saveBranding({ product_name: 'Only name' })).toEqual({ ...EMPTY, product_name: 'Only name' });
    expect(await getBranding()).toEqual({ ...EMPTY, product_name: 'Only name' });
  });
});

describe('the login page', () => {
  it('shows the global branding: product name, logo, colour under the CSP nonce, footer link', async () => {
    await saveBranding({
      product_name: 'Acme SSO',
      logo_url: 'https://cdn.example.com/acme.png',
      primary_color: '#aa3300',
      footer_text: 'Help desk',
      footer_url: 'https://help.example.com/',
    });
    const { html, res } = await loginPage();
    expect(title(html)).toBe('Sign in · Acme SSO');
    expect(brand(html)).toMatch(/^<img class="logo" src="https:\/\/cdn\.example\.com\/acme\.png" alt=""\/?>Acme SSO$/);
    const nonce = styleNonce(res);
    expect(nonce).toBeTruthy();
    expect(html).toContain(`<style nonce="${nonce}">:root { --accent: #aa3300; }</style>`);
    expect(html).toMatch(/<footer class="muted"><a href="https:\/\/help\.example\.com\/" rel="noopener">Help desk<\/a><\/footer>/);
  });

  it('shows an app’s overrides over the global values on that app’s login page, and only there', async () => {
    await saveBranding({
      product_name: 'Acme SSO',
      logo_url: 'https://cdn.example.com/acme.png',
      primary_color: '#aa3300',
      footer_text: 'Help desk',
      footer_url: 'https://help.example.com/',
    });
    const app = await createApp({ name: 'Billing', branding: { product_name: 'Billing Login', primary_color: '#007a00', footer_url: 'https://billing.example.com/help' } });
    const plain = await createApp({ name: 'Plain' });

    const { html, res } = await loginPage(app.client_id);
    expect(title(html)).toBe('Sign in · Billing Login');
    expect(brand(html)).toContain('Billing Login');
    expect(html).toContain('to continue to Billing');
    // Not overridden: inherited from the global branding.
    expect(brand(html)).toContain('src="https://cdn.example.com/acme.png"');
    expect(html).toContain(`<style nonce="${styleNonce(res)}">:root { --accent: #007a00; }</style>`);
    expect(html).not.toContain('#aa3300');
    expect(html).toMatch(/<a href="https:\/\/billing\.example\.com\/help" rel="noopener">Help desk<\/a>/);

    const other = await loginPage(plain.client_id);
    expect(title(other.html)).toBe('Sign in · Acme SSO');
    expect(other.html).toContain(':root { --accent: #aa3300; }');
    expect(other.html).toContain('to continue to Plain');
  });

  it('uses the defaults without branding: no logo, no colour override, no footer', async () => {
    await saveBranding(EMPTY);
    const { html } = await loginPage((await createApp()).client_id);
    expect(title(html)).toBe('Sign in · edge-sso');
    expect(brand(html)).toBe('edge-sso');
    expect(html).not.toContain('<style');
    expect(html).not.toContain('<footer');
  });

  it('applies a branding change at once', async () => {
    await saveBranding({ product_name: 'First name' });
    expect(title((await loginPage()).html)).toBe('Sign in · First name');
    await saveBranding({ product_name: 'Second name' });
    expect(title((await loginPage()).html)).toBe('Sign in · Second name');
  });
});

describe('markup typed into branding', () => {
  it('is refused in the product name, for the global branding and for an app', async () => {
    for (const product_name of ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']) {
      expect((await putBranding({ product_name })).status).toBe(400);
      const res = await admin('POST', '/apps', { name: 'x', redirect_urls: ['https://a.example.com/'], branding: { product_name } });
      expect(res.status).toBe(400);
      expect(Object.keys((await res.json<ErrorBody>()).fields ?? {})).toEqual(['branding.product_name']);
    }
  });

  it('is shown as text when it is allowed (quotes, ampersands), never as markup', async () => {
    await saveBranding({
      product_name: `Tom & Jerry's "SSO"`,
      footer_text: `Q&A "help"`,
      footer_url: 'https://help.example.com/?a=1&b="x"',
      logo_url: 'https://cdn.example.com/logo.png?x="onerror=alert(1)',
    });
    const app = await createApp({ name: `Rock & "Roll" 'app'` });
    const { html } = await loginPage(app.client_id);
    expect(title(html)).toBe('Sign in · Tom &amp; Jerry&#39;s &quot;SSO&quot;');
    expect(brand(html)).toContain('Tom &amp; Jerry&#39;s &quot;SSO&quot;');
    expect(html).toContain('to continue to Rock &amp; &quot;Roll&quot; &#39;app&#39;');
    expect(html).toContain('src="https://cdn.example.com/logo.png?x=&quot;onerror=alert(1)"');
    expect(html).toContain('href="https://help.example.com/?a=1&amp;b=&quot;x&quot;"');
    expect(html).toContain('>Q&amp;A &quot;help&quot;</a>');
    for (const raw of [`Jerry's "SSO"`, '"onerror=alert(1)', 'b="x"', `"Roll"`, 'Q&A']) expect(html).not.toContain(raw);
  });
});

describe('the console’s branding form', () => {
  async function signedInAdmin() {
    const user = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    expect((await browser.signInThrough('/admin/branding', user.email, PASSWORD)).status).toBe(200);
    return { browser, user };
  }
  const fieldError = (html: string, name: string) => [...html.matchAll(/<p class="field-error" id="([^"]+)-error">([^<]*)<\/p>/g)].find((m) => m[1] === name)?.[2];
  const inputValue = (html: string, name: string) => new RegExp(`<input id="${name}" name="${name}"[^>]*? value="([^"]*)"`).exec(html)?.[1];

  function post(browser: Browser, fields: Record<string, string>) {
    return browser.fetch('/admin/branding', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams(fields),
    });
  }

  it('shows the saved values, and saves changes (303) that the API and the login page then show', async () => {
    await saveBranding({ ...EMPTY, product_name: 'Before' });
    const { browser, user } = await signedInAdmin();
    const form = await (await browser.fetch('/admin/branding')).text();
    expect(inputValue(form, 'product_name')).toBe('Before');
    const res = await post(browser, {
      csrf: hiddenFields(form).csrf!,
      product_name: 'After',
      logo_url: '',
      primary_color: '#123456',
      footer_text: 'Support',
      footer_url: 'https://support.example.com/',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/branding?notice=saved');
    expect(await getBranding()).toEqual({ product_name: 'After', logo_url: '', primary_color: '#123456', footer_text: 'Support', footer_url: 'https://support.example.com/' });
    expect(title((await loginPage()).html)).toBe('Sign in · After');

    let events: { actor: string }[] = [];
    for (let i = 0; i < 100 && events.length === 0; i++) {
      events = (await (await admin('GET', `/audit?type=branding.update&user=${user.id}`)).json<{ events: { actor: string }[] }>()).events;
      if (events.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(events).toHaveLength(1);
  });

  it('refuses invalid values with 400, each error next to its field, the typed values kept, and nothing saved', async () => {
    const saved = await saveBranding({ ...EMPTY, product_name: 'Unchanged' });
    const { browser } = await signedInAdmin();
    const form = await (await browser.fetch('/admin/branding')).text();
    const tag = unique('typed');
    const res = await post(browser, {
      csrf: hiddenFields(form).csrf!,
      product_name: tag,
      logo_url: 'http://cdn.example.com/logo.png',
      primary_color: 'red',
      footer_text: '',
      footer_url: 'javascript:alert(1)',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(fieldError(html, 'primary_color')).toBe('must be a colour like #2456d6');
    expect(fieldError(html, 'logo_url')).toBe('must be an https URL');
    expect(fieldError(html, 'footer_url')).toBe('must be an https URL');
    expect(fieldError(html, 'product_name')).toBeUndefined();
    expect(inputValue(html, 'product_name')).toBe(tag);
    expect(inputValue(html, 'primary_color')).toBe('red');
    expect(inputValue(html, 'logo_url')).toBe('http://cdn.example.com/logo.png');
    expect(await getBranding()).toEqual(saved);
  });
});
