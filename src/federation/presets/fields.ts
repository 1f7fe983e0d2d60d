// Small pieces the presets share: field definitions an admin fills in, reading a preset's
// config, and one guarded JSON fetch for profile endpoints.
import { UpstreamError, type PresetContext, type PresetField } from '../types';
import { parseUpstreamUrl } from '../urls';

/** A host name such as `dev-123456.okta.com`: letters, digits, hyphens, dots; no scheme, path or port. */
const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function validateHost(example: string) {
  return (value: string | string[]): string | null => {
    if (typeof value !== 'string') return 'must be a string';
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `must be a host name only, without https:// (for example ${example})`;
    if (value.includes('/')) return `must be a host name only, without a path (for example ${example})`;
    return HOST.test(value) ? null : `must be a host name such as ${example}`;
  };
}

export function validateUrl(value: string | string[]): string | null {
  if (typeof value !== 'string') return 'must be a string';
  const url = parseUpstreamUrl(value);
  return typeof url === 'string' ? url : null;
}

export function clientSecretField(help: string): PresetField {
  return { name: 'client_secret', label: 'Client secret', help, required: true, secret: true, max: 2000 };
}

export function hostField(name: string, label: string, example: string, help: string): PresetField {
  return { name, label, help, required: true, max: 253, validate: validateHost(example) };
}

export function urlField(name: string, label: string, help: string): PresetField {
  return { name, label, help, required: true, kind: 'url', max: 2000, validate: validateUrl };
}

export function optionalUrlField(name: string, label: string, help: string): PresetField {
  return { ...urlField(name, label, help), required: false };
}

/** A non-empty string config value, trimmed, or undefined. */
export function configString(ctx: Pick<PresetContext, 'config'>, name: string): string | undefined {
  const value = ctx.config[name];
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' ? undefined : text;
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** GETs a JSON document with the given headers; any other outcome is an UpstreamError naming `what`. */
export async function fetchJson(fetchFn: typeof fetch, url: string, headers: Record<string, string>, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetchFn(url, { headers, redirect: 'manual' });
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw new UpstreamError('unreachable', 'The identity provider could not be reached. Try again in a moment.', `${what}: ${(error as Error).message}`);
  }
  const text = await response.text();
  if (response.status !== 200) {
    throw new UpstreamError('invalid_response', 'The identity provider did not share your profile.', `${what} answered HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UpstreamError('invalid_response', 'The identity provider sent a profile edge-sso cannot read.', `${what} did not answer JSON: ${text.slice(0, 300)}`);
  }
}
