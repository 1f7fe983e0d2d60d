// The primary colour carries white button text, so branding refuses a colour under WCAG AA's
// 4.5:1 and says why (issue #8, item 16).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contrastRatio, relativeLuminance, whiteTextContrastProblem } from '../../src/policy/contrast';
import { admin, Browser, createUser, hiddenFields, ORIGIN, PASSWORD } from '../helpers';

const hexColor = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(
  (rgb) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`,
);

describe('contrastRatio', () => {
  it('matches the WCAG reference values', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBe(1);
    // The classic AA boundary: #767676 passes on white, #777777 does not.
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(relativeLuminance('#FF0000')).toBeCloseTo(0.2126, 4);
  });

  it('is symmetric, from 1 to 21, and darker colours on white never contrast less', () => {
    fc.assert(
      fc.property(hexColor, hexColor, (a, b) => {
        const ratio = contrastRatio(a, b);
        expect(ratio).toBeGreaterThanOrEqual(1);
        expect(ratio).toBeLessThanOrEqual(21.0000001);
        expect(contrastRatio(b, a)).toBeCloseTo(ratio, 10);
        if (relativeLuminance(a) <= relativeLuminance(b)) expect(contrastRatio(a, '#ffffff')).toBeGreaterThanOrEqual(contrastRatio(b, '#ffffff'));
      }),
    );
  });

  it('refuses exactly the colours under 4.5:1 with white text, and explains', () => {
    fc.assert(
      fc.property(hexColor, (color) => {
        const problem = whiteTextContrastProblem(color);
        expect(problem === null).toBe(contrastRatio(color, '#ffffff') >= 4.5);
        if (problem) expect(problem).toMatch(/contrast of only \d+(\.\d+)?:1; WCAG AA needs at least 4\.5:1/);
      }),
    );
    expect(whiteTextContrastProblem('#2456d6')).toBeNull();
    expect(whiteTextContrastProblem('#ffcc00')).toContain('Choose a darker colour');
  });

  it('never rounds a failing ratio up to a passing one in the message', () => {
    // #777777 is 4.478:1: shown as 4.47, not 4.48 or 4.5.
    expect(whiteTextContrastProblem('#777777')).toContain('only 4.47:1');
  });
});

describe('branding with a low-contrast primary colour', () => {
  it('is refused by the admin API, which says why', async () => {
    const res = await admin('PUT', '/branding', { primary_color: '#7fbfff' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { fields: Record<string, string> };
    expect(body.fields.primary_color).toMatch(/contrast of only [\d.]+:1; WCAG AA needs at least 4\.5:1/);
    const app = await admin('POST', '/apps', { name: 'Pale', redirect_urls: ['https://a.example.com/cb'], branding: { primary_color: '#ffff00' } });
    expect(app.status).toBe(400);
    expect(((await app.json()) as { fields: Record<string, string> }).fields['branding.primary_color']).toContain('WCAG AA');
  });

  it('is refused by the console form next to the field, keeping what was typed', async () => {
    const user = await createUser({ roles: ['admin'] });
    const browser = new Browser();
    await browser.signInThrough('/admin/branding', user.email, PASSWORD);
    const page = await browser.fetch('/admin/branding');
    const csrf = hiddenFields(await page.text()).csrf!;
    const res = await browser.fetch('/admin/branding', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams({ csrf, primary_color: '#ff9900', product_name: 'Acme' }),
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/id="primary_color-error">primary_color gives white button text a contrast of only|id="primary_color-error">[^<]*WCAG AA needs at least 4\.5:1/);
    expect(html).toContain('value="#ff9900"');
  });
});
