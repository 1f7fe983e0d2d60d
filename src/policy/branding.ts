// Branding fields: what the login page shows. Pure: validation and the merge of global and per-app
// values, below the app registry (src/apps/) that stores an app's branding and src/branding/ that loads it.
// Every value is checked here so no admin-supplied markup, script or CSS reaches a page.
import type { Branding } from '../db/schema';
import { whiteTextContrastProblem } from './contrast';
import { LOGO_PATH_PATTERN } from './logo';

export type { Branding };

export const DEFAULT_BRANDING: Branding = {
  productName: 'edge-sso',
  logoUrl: '',
  primaryColor: '#2456d6',
  footerText: '',
  footerUrl: '',
};

export const BRANDING_FIELDS = {
  productName: 'product_name',
  logoUrl: 'logo_url',
  primaryColor: 'primary_color',
  footerText: 'footer_text',
  footerUrl: 'footer_url',
} as const satisfies Record<keyof Branding, string>;

const COLOR = /^#[0-9a-fA-F]{6}$/;

function httpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.username && !url.password;
  } catch {
    return false;
  }
}

/**
 * Checks branding input given with the API's field names. Empty strings mean "inherit" for an
 * app and "default" globally. Returns the values and an error per invalid field.
 */
export function checkBranding(input: Record<string, unknown>): { values: Partial<Branding>; errors: Record<string, string> } {
  const values: Partial<Branding> = {};
  const errors: Record<string, string> = {};
  for (const [key, field] of Object.entries(BRANDING_FIELDS) as [keyof Branding, string][]) {
    const raw = input[field];
    if (raw === undefined || raw === null) continue;
    if (typeof raw !== 'string') {
      errors[field] = 'must be a string';
      continue;
    }
    const value = raw.trim();
    if (value === '') {
      values[key] = '';
      continue;
    }
    if (/[\u0000-\u001f\u007f<>]/.test(value)) errors[field] = 'must not contain control characters or < >';
    else if (key === 'primaryColor' && !COLOR.test(value)) errors[field] = 'must be a colour like #2456d6';
    else if (key === 'primaryColor' && whiteTextContrastProblem(value)) errors[field] = whiteTextContrastProblem(value)!;
    else if (key === 'logoUrl' && !httpsUrl(value) && !LOGO_PATH_PATTERN.test(value)) errors[field] = 'must be an https URL';
    else if (key === 'footerUrl' && !httpsUrl(value)) errors[field] = 'must be an https URL';
    else if (value.length > (key === 'productName' || key === 'footerText' ? 60 : 500)) errors[field] = 'is too long';
    else values[key] = value;
  }
  return { values, errors };
}

/** Drops empty values so they inherit. */
export function compactBranding(values: Partial<Branding>): Partial<Branding> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '')) as Partial<Branding>;
}

/** What a page shows: the app's overrides over the global settings over the defaults. */
export function resolveBranding(global: Partial<Branding>, app?: Partial<Branding>): Branding {
  return { ...DEFAULT_BRANDING, ...compactBranding(global), ...compactBranding(app ?? {}) };
}

export function brandingToJson(values: Partial<Branding>): Record<string, string> {
  return Object.fromEntries(
    (Object.entries(BRANDING_FIELDS) as [keyof Branding, string][]).map(([key, field]) => [field, values[key] ?? '']),
  );
}
