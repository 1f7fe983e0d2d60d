// Branded email bodies: one layout for every message (invitation, verification, reset, test),
// in the global branding or the app's. Pure: strings in, text and HTML out. Every value is
// escaped; the action link is the only URL and must be http(s).
import { DEFAULT_BRANDING, type Branding } from '../policy/branding';

export interface MessageContent {
  /** The heading, also a good subject line. */
  title: string;
  /** Plain-text paragraphs (escaped in HTML; no markup). */
  paragraphs: string[];
  /** An optional button; the text part shows the URL on its own line. */
  action?: { label: string; url: string };
  /** Small print under the button, e.g. "If you did not ask for this, ignore this message." */
  footnote?: string;
}

export interface RenderedBody {
  text: string;
  html: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

function safeUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`email action link must be http(s): ${parsed.protocol}`);
  return parsed.href;
}

/** Absolute logo URL for the HTML part, or '' (a stored logo path needs the public base URL). */
function logoSrc(branding: Branding, baseUrl?: string): string {
  if (!branding.logoUrl) return '';
  if (branding.logoUrl.startsWith('https://')) return branding.logoUrl;
  return baseUrl ? new URL(branding.logoUrl, baseUrl).href : '';
}

/**
 * Renders a message in the given branding (from `emailBranding`). `baseUrl` (the issuer) makes an
 * uploaded logo's path absolute; without it the logo is left out and the product name shows alone.
 */
export function brandedMessage(branding: Branding, content: MessageContent, baseUrl?: string): RenderedBody {
  const b = { ...DEFAULT_BRANDING, ...branding };
  const action = content.action ? { label: content.action.label, url: safeUrl(content.action.url) } : undefined;

  const textLines = [content.title, '', ...content.paragraphs.flatMap((p) => [p, ''])];
  if (action) textLines.push(`${action.label}:`, action.url, '');
  if (content.footnote) textLines.push(content.footnote, '');
  textLines.push('-- ', b.footerText ? `${b.productName} · ${b.footerText}` : b.productName);
  const text = textLines.join('\n');

  const logo = logoSrc(b, baseUrl);
  const color = escapeHtml(b.primaryColor);
  const html = [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${escapeHtml(content.title)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;padding:32px">',
    `<tr><td style="padding-bottom:16px;border-bottom:3px solid ${color}">`,
    logo
      ? `<img src="${escapeHtml(logo)}" alt="${escapeHtml(b.productName)}" height="40" style="height:40px;border:0">`
      : `<strong style="font-size:18px">${escapeHtml(b.productName)}</strong>`,
    '</td></tr>',
    `<tr><td style="padding-top:24px"><h1 style="font-size:22px;margin:0 0 16px">${escapeHtml(content.title)}</h1>`,
    ...content.paragraphs.map((p) => `<p style="font-size:16px;line-height:1.5;margin:0 0 16px">${escapeHtml(p)}</p>`),
    action
      ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="display:inline-block;background:${color};color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">${escapeHtml(action.label)}</a></p>` +
        `<p style="font-size:13px;color:#57606a;word-break:break-all">Or open this link: <a href="${escapeHtml(action.url)}" style="color:${color}">${escapeHtml(action.url)}</a></p>`
      : '',
    content.footnote ? `<p style="font-size:13px;color:#57606a">${escapeHtml(content.footnote)}</p>` : '',
    '</td></tr>',
    `<tr><td style="padding-top:24px;font-size:12px;color:#57606a">${escapeHtml(b.productName)}${b.footerText ? ` · ${escapeHtml(b.footerText)}` : ''}</td></tr>`,
    '</table></td></tr></table></body></html>',
  ].join('\n');
  return { text, html };
}
