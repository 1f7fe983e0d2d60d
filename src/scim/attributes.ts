// `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes a response
// carries. `id` and `schemas` always; `meta` unless excluded. Names are case-insensitive, may carry
// a schema URN and may name a sub-attribute (name.givenName).
import { ScimError } from './errors';
import { FilterError, parseAttrPath, type AttrPath } from './filter';

export interface Projection {
  only: AttrPath[] | null;
  excluded: AttrPath[];
}

const ALWAYS = ['id', 'schemas'];

function parseList(text: string | undefined, coreSchema: string): AttrPath[] | null {
  if (text === undefined || text.trim() === '') return null;
  if (text.length > 2000) throw new ScimError(400, 'The attribute list is too long.', 'invalidValue');
  try {
    return text.split(',').map((item) => {
      const path = parseAttrPath(item.trim());
      // The core schema's URN names the resource's own attributes.
      return path.uri === coreSchema ? { attr: path.attr, ...(path.sub ? { sub: path.sub } : {}) } : path;
    });
  } catch (error) {
    if (error instanceof FilterError) throw new ScimError(400, `The attribute list ${error.message}.`, 'invalidValue');
    throw error;
  }
}

export function readProjection(query: (name: string) => string | undefined, coreSchema: string): Projection {
  return { only: parseList(query('attributes'), coreSchema.toLowerCase()), excluded: parseList(query('excludedAttributes'), coreSchema.toLowerCase()) ?? [] };
}

/** The key of `object` for an attribute (and, for an extension path, the extension's key). */
function findKey(object: Record<string, unknown>, name: string): string | undefined {
  return Object.keys(object).find((k) => k.toLowerCase() === name);
}

function select(resource: Record<string, unknown>, path: AttrPath): [string, unknown] | null {
  const holder = path.uri ? resource[findKey(resource, path.uri) ?? ''] : resource;
  if (!holder || typeof holder !== 'object') return null;
  const key = findKey(holder as Record<string, unknown>, path.attr);
  return key ? [key, (holder as Record<string, unknown>)[key]] : null;
}

export function project(resource: Record<string, unknown>, projection: Projection): Record<string, unknown> {
  let out: Record<string, unknown>;
  if (projection.only) {
    out = Object.fromEntries(Object.entries(resource).filter(([k]) => ALWAYS.includes(k.toLowerCase()) || k === 'meta'));
    for (const path of projection.only) {
      const hit = select(resource, path);
      if (!hit) continue;
      const [key, value] = hit;
      const target = path.uri ? ((out[findKey(resource, path.uri)!] ??= {}) as Record<string, unknown>) : out;
      if (path.sub && value && typeof value === 'object' && !Array.isArray(value)) {
        const subKey = findKey(value as Record<string, unknown>, path.sub);
        if (subKey) target[key] = { ...((target[key] as object) ?? {}), [subKey]: (value as Record<string, unknown>)[subKey] };
      } else {
        target[key] = value;
      }
    }
  } else {
    out = { ...resource };
  }
  for (const path of projection.excluded) {
    if (ALWAYS.includes(path.attr) && !path.uri) continue;
    const holder = path.uri ? out[findKey(out, path.uri) ?? ''] : out;
    if (!holder || typeof holder !== 'object') continue;
    const key = findKey(holder as Record<string, unknown>, path.attr);
    if (!key) continue;
    const h = holder as Record<string, unknown>;
    if (path.sub && h[key] && typeof h[key] === 'object' && !Array.isArray(h[key])) {
      const copy = { ...(h[key] as Record<string, unknown>) };
      const subKey = findKey(copy, path.sub);
      if (subKey) delete copy[subKey];
      h[key] = copy;
    } else {
      if (holder === out) delete out[key];
      else {
        const copy = { ...h };
        delete copy[key];
        out[findKey(out, path.uri!)!] = copy;
      }
    }
  }
  return out;
}
