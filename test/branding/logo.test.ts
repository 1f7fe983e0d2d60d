// Logo upload (issue #8, item 16): PNG only (checked by its bytes), at most 256 KB, stored in D1,
// served from this origin under its content hash with a year-long immutable cache and nosniff.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLogo, MAX_LOGO_BYTES } from '../../src/policy/logo';
import { admin, ADMIN_TOKEN, Browser, call, createUser, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

// A real 1×1 PNG.
const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='), (ch) => ch.charCodeAt(0));
const SVG = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>') as Uint8Array<ArrayBuffer>;

/** A PNG header claiming `width`×`height`, padded to `size` bytes. */
function pngOf(size: number, width = 1, height = 1): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(Math.max(size, 33));
  bytes.set(PNG.subarray(0, 33));
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return bytes;
}

const putLogo = (body: Uint8Array<ArrayBuffer>, type = 'image/png') =>
  call('/api/admin/branding/logo', { method: 'PUT', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': type }, body });

afterEach(async () => {
  await admin('DELETE', '/branding/logo');
  await admin('PUT', '/branding', { logo_url: '' });
});

describe('checkLogo', () => {
  it('accepts a PNG and reads its size', () => {
    expect(checkLogo(PNG)).toEqual({ ok: true, contentType: 'image/png', extension: 'png', width: 1, height: 1 });
    expect(checkLogo(pngOf(MAX_LOGO_BYTES, 400, 120))).toMatchObject({ ok: true, width: 400, height: 120 });
  });

  it('refuses SVG and other markup with a reason that says so, whatever it starts with', () => {
    for (const text of ['<svg/>', '\uFEFF  <?xml version="1.0"?><svg/>', '\n<!DOCTYPE svg><svg/>', '<html><script>x</script>']) {
      const check = checkLogo(new TextEncoder().encode(text));
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.reason).toContain('SVG files are not accepted');
    }
  });

  it('refuses other formats, empty, oversized, damaged and absurdly large images', () => {
    const reasons = [
      [Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0]), 'not a PNG'],
      [Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'not a PNG'],
      [new Uint8Array(0), 'empty'],
      [pngOf(MAX_LOGO_BYTES + 1), 'at most 256 KB'],
      [PNG.subarray(0, 8), 'damaged'],
      [pngOf(100, 5000, 10), 'at most 4096×4096'],
      [pngOf(100, 0, 10), 'pixels'],
    ] as const;
    for (const [bytes, reason] of reasons) {
      const check = checkLogo(bytes);
      expect(check.ok, reason).toBe(false);
      if (!check.ok) expect(check.reason).toContain(reason);
    }
  });

  it('never accepts bytes without the PNG signature', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
        fc.pre(!(bytes[0] === 0x89 && bytes[1] === 0x50));
        expect(checkLogo(bytes).ok).toBe(false);
      }),
    );
  });
});

describe('PUT /api/admin/branding/logo', () => {
  it('stores the PNG, points logo_url at it, serves it immutably from this origin, and the pages show it', async () => {
    const res = await putLogo(PNG);
    expect(res.status, await res.clone().text()).toBe(200);
    const { logo_url } = (await res.json()) as { logo_url: string };
    expect(logo_url).toMatch(/^\/branding\/logo\/[0-9a-f]{64}\.png$/);

    const served = await call(logo_url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG);

    const login = await call('/login');
    expect(await login.text()).toContain(`<img class="logo" src="${logo_url}" alt=""/>`);
    // Over plain http (local dev) the CSP must still let the page load its own image.
    expect(login.headers.get('content-security-policy')).toMatch(/img-src 'self'/);
  });

  it('replacing or removing the logo deletes the old image', async () => {
    const first = ((await (await putLogo(PNG)).json()) as { logo_url: string }).logo_url;
    const second = ((await (await putLogo(pngOf(200, 2, 2))).json()) as { logo_url: string }).logo_url;
    expect(second).not.toBe(first);
    expect((await call(first)).status).toBe(404);
    expect((await call(second)).status).toBe(200);
    const removed = await admin('DELETE', '/branding/logo');
    expect(((await removed.json()) as { logo_url: string }).logo_url).toBe('');
    expect((await call(second)).status).toBe(404);
  });

  it('refuses SVG, other types and oversized files with a clear message, and changes nothing', async () => {
    const svg = await putLogo(SVG);
    expect(svg.status).toBe(400);
    expect(((await svg.json()) as { fields: Record<string, string> }).fields.logo).toContain('SVG files are not accepted');
    const typed = await putLogo(SVG, 'image/svg+xml');
    expect(typed.status).toBe(415);
    expect(((await typed.json()) as { message: string }).message).toContain('image/png');
    const big = await putLogo(pngOf(MAX_LOGO_BYTES + 10));
    expect(big.status).toBe(400);
    expect(((await big.json()) as { fields: Record<string, string> }).fields.logo).toContain('at most 256 KB');
    expect(((await (await admin('GET', '/branding')).json()) as { logo_url: string }).logo_url).toBe('');
  });

  it('needs the admin token', async () => {
    const res = await call('/api/admin/branding/logo', { method: 'PUT', headers: { 'content-type': 'image/png' }, body: PNG });
    expect(res.status).toBe(401);
  });
});

describe('GET /branding/logo/<hash>.png', () => {
  it.each(['/branding/logo/' + '0'.repeat(64) + '.png', '/branding/logo/abc.png', '/branding/logo/' + 'A'.repeat(64) + '.png', '/branding/logo/' + '0'.repeat(64) + '.svg'])('answers 404 for %s', async (path) => {
    expect((await call(path)).status).toBe(404);
  });
});

describe('the console branding page', () => {
  async function adminBrowser() {
    const user = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    await browser.signInThrough('/admin/branding', user.email, PASSWORD);
    return browser;
  }

  async function upload(browser: Browser, bytes: Uint8Array<ArrayBuffer>, name: string, type: string) {
    const csrf = hiddenFields(await (await browser.fetch('/admin/branding')).text()).csrf!;
    const form = new FormData();
    form.set('csrf', csrf);
    form.set('logo', new File([bytes], name, { type }));
    return browser.fetch('/admin/branding/logo', { method: 'POST', headers: { origin: ORIGIN }, body: form });
  }

  it('uploads a PNG: the page then shows it and the login page uses it; Remove takes it away', async () => {
    const browser = await adminBrowser();
    const res = await upload(browser, PNG, 'logo.png', 'image/png');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/branding?notice=saved');
    const page = await (await browser.fetch('/admin/branding')).text();
    const path = /<img class="logo-preview" src="(\/branding\/logo\/[0-9a-f]{64}\.png)"/.exec(page)?.[1];
    expect(path).toBeTruthy();
    expect(await (await call('/login')).text()).toContain(`src="${path}"`);

    const remove = await browser.fetch('/admin/branding/logo/remove', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ csrf: hiddenFields(page).csrf! }),
    });
    expect(remove.status).toBe(303);
    expect((await call(path!)).status).toBe(404);
    expect(await (await call('/login')).text()).not.toContain('class="logo"');
  });

  it('refuses an SVG (even named .png) next to the file field', async () => {
    const browser = await adminBrowser();
    const res = await upload(browser, SVG, 'logo.png', 'image/png');
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/id="logo-error" role="alert">SVG files are not accepted: they can contain scripts\./);
  });

  it('refuses the upload without the CSRF token', async () => {
    const browser = await adminBrowser();
    const form = new FormData();
    form.set('logo', new File([PNG], 'logo.png', { type: 'image/png' }));
    const res = await browser.fetch('/admin/branding/logo', { method: 'POST', headers: { origin: ORIGIN }, body: form });
    expect(res.status).toBe(403);
  });
});

describe('GET /favicon.ico', () => {
  it('is edge-sso’s own icon without a logo, the uploaded logo with one; every page links it', async () => {
    const plain = await call('/favicon.ico');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('image/svg+xml');
    expect(await plain.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);

    expect((await putLogo(PNG)).status).toBe(200);
    const logo = await call('/favicon.ico');
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await logo.arrayBuffer())).toEqual(PNG);

    for (const path of ['/login', '/signup', '/no-such-page']) {
      const html = await (await call(path)).text();
      expect(html, path).toContain('<link rel="icon" href="/favicon.ico"/>');
    }
  });
});
