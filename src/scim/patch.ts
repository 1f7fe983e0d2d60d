// SCIM PATCH (RFC 7644 §3.5.2) applied to a resource as JSON, purely: the routes render the
// resource, apply the operations here, and store the result as they would a PUT. It accepts what
// Entra ID and Okta really send: operation names in any case ("Replace", "add"), a replace
// without a path whose value is an object ({"active": false}, or keys that are paths such as
// "name.givenName"), and paths into multi-valued attributes (emails[type eq "work"].value).
import { ScimError } from './errors';
import { attrOf, FilterError, matches, parsePatchPath, type Filter, type PatchPath } from './filter';

export type PatchOpName = 'add' | 'replace' | 'remove';
export interface PatchOperation {
  op: PatchOpName;
  path?: string;
  value?: unknown;
}

export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const MAX_OPERATIONS = 100;

/** Validates a PatchOp body and returns its operations with lower-cased names. */
export function parsePatchBody(body: unknown): PatchOperation[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ScimError(400, 'The body must be a PatchOp JSON object.', 'invalidSyntax');
  const ops = attrOf(body, 'operations');
  if (!Array.isArray(ops) || ops.length === 0) throw new ScimError(400, 'The body needs an "Operations" array with at least one operation.', 'invalidSyntax');
  if (ops.length > MAX_OPERATIONS) throw new ScimError(400, `At most ${MAX_OPERATIONS} operations per request.`, 'invalidSyntax');
  return ops.map((raw, i) => {
    const op = attrOf(raw, 'op');
    const name = typeof op === 'string' ? op.toLowerCase() : '';
    if (name !== 'add' && name !== 'replace' && name !== 'remove') {
      throw new ScimError(400, `Operation ${i + 1}: "op" must be add, replace or remove.`, 'invalidSyntax');
    }
    const path = attrOf(raw, 'path');
    if (path !== undefined && path !== null && typeof path !== 'string') throw new ScimError(400, `Operation ${i + 1}: "path" must be a string.`, 'invalidPath');
    const value = attrOf(raw, 'value');
    if (name !== 'remove' && value === undefined) throw new ScimError(400, `Operation ${i + 1}: "${name}" needs a "value".`, 'invalidValue');
    return { op: name, ...(typeof path === 'string' && path.trim() !== '' ? { path: path.trim() } : {}), ...(value === undefined ? {} : { value }) };
  });
}

export function readPath(text: string): PatchPath {
  try {
    return parsePatchPath(text);
  } catch (error) {
    if (error instanceof FilterError) throw new ScimError(400, `The path "${text.slice(0, 200)}" ${error.message}.`, 'invalidPath');
    throw error;
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** The key an attribute has in `object` (whatever its case), or `canonical` for a new one. */
function keyIn(object: Json, lower: string, canonical: string): string {
  return Object.keys(object).find((k) => k.toLowerCase() === lower) ?? canonical;
}

/**
 * How each attribute is spelled when a PATCH creates it (paths arrive lower-cased from the parser).
 * Unknown attributes keep the case the client wrote.
 */
export interface PatchTarget {
  /** Lower-cased schema URN → the key the resource keeps that extension under. */
  extensions: Record<string, string>;
  /** The resource's own schema URN, lower-cased: a path may name it (`urn:…:User:userName`). */
  coreSchema: string;
  /** Lower-cased attribute → how it is spelled. */
  spelling: Record<string, string>;
  /** Attributes no PATCH may change (id, meta, groups…), lower-cased. */
  readOnly: string[];
}

function spell(target: PatchTarget, lower: string, original?: string): string {
  return target.spelling[lower] ?? original ?? lower;
}

/** The object a path's attribute lives in: the resource, or the extension it names. */
function containerFor(resource: Json, path: PatchPath, target: PatchTarget, create: boolean): Json | null {
  const uri = path.path.uri;
  if (!uri || uri === target.coreSchema) return resource;
  const extensionKey = target.extensions[uri];
  if (!extensionKey) throw new ScimError(400, `The schema "${uri}" is not one this resource has.`, 'invalidPath');
  const key = keyIn(resource, extensionKey.toLowerCase(), extensionKey);
  if (!isObject(resource[key])) {
    if (!create) return null;
    resource[key] = {};
  }
  return resource[key] as Json;
}

function mergeValue(existing: unknown, value: unknown, op: PatchOpName): unknown {
  if (op === 'add' && Array.isArray(existing)) {
    const added = Array.isArray(value) ? value : [value];
    const seen = new Set(existing.map((item) => JSON.stringify(item)));
    return [...existing, ...added.filter((item) => !seen.has(JSON.stringify(item)))];
  }
  if (op === 'add' && isObject(existing) && isObject(value)) return { ...existing, ...value };
  return value;
}

/** The `eq` clauses of a value filter, as an item that would match it: `type eq "work"` → { type: "work" }. */
function itemFromFilter(filter: Filter): Json | null {
  if (filter.op === 'eq' && !filter.path.sub && !filter.path.uri) return { [filter.path.attr]: filter.value };
  if (filter.op === 'and') {
    const left = itemFromFilter(filter.left);
    const right = itemFromFilter(filter.right);
    return left && right ? { ...left, ...right } : null;
  }
  return null;
}

function applyOne(resource: Json, op: PatchOpName, pathText: string, value: unknown, target: PatchTarget): void {
  const path = readPath(pathText);
  const attr = path.path.attr;
  if (target.readOnly.includes(attr) && !path.path.uri) throw new ScimError(400, `"${attr}" cannot be changed.`, 'mutability');
  const container = containerFor(resource, path, target, op !== 'remove');
  if (!container) return; // removing from an extension the resource does not have: nothing to do
  const key = keyIn(container, attr, spell(target, attr));

  if (path.where) {
    const items = Array.isArray(container[key]) ? (container[key] as unknown[]) : [];
    const sub = path.sub ? spell(target, path.sub) : undefined;
    const hits = items.filter((item) => matches(path.where!, item));
    if (op === 'remove') {
      if (sub) hits.forEach((item) => isObject(item) && delete item[keyIn(item, path.sub!, sub)]);
      else container[key] = items.filter((item) => !hits.includes(item));
      return;
    }
    if (hits.length === 0) {
      // Entra ID replaces emails[type eq "work"].value on a user without a work email: add one.
      const seed = itemFromFilter(path.where);
      if (!seed) throw new ScimError(400, `No value of "${attr}" matches the path's filter.`, 'noTarget');
      const fresh = Object.fromEntries(Object.entries(seed).map(([k, v]) => [spell(target, k), v]));
      container[key] = [...items, sub ? { ...fresh, [sub]: value } : { ...fresh, ...(isObject(value) ? value : { value }) }];
      return;
    }
    for (const item of hits) {
      if (!isObject(item)) continue;
      if (sub) item[keyIn(item, path.sub!, sub)] = value;
      else if (isObject(value)) Object.assign(item, value);
    }
    return;
  }

  if (path.path.sub) {
    const subKey = spell(target, path.path.sub);
    if (op === 'remove') {
      const parent = container[key];
      if (isObject(parent)) delete parent[keyIn(parent, path.path.sub, subKey)];
      return;
    }
    if (!isObject(container[key])) container[key] = {};
    const parent = container[key] as Json;
    const k = keyIn(parent, path.path.sub, subKey);
    parent[k] = mergeValue(parent[k], value, op);
    return;
  }

  if (op === 'remove') {
    delete container[key];
    return;
  }
  container[key] = mergeValue(container[key], value, op);
}

/**
 * Applies the operations to a copy of `resource` and returns it. Throws ScimError (noTarget,
 * invalidPath, mutability, invalidValue) for an operation that cannot apply.
 */
export function applyPatch(resource: Json, operations: PatchOperation[], target: PatchTarget): Json {
  const result = structuredClone(resource);
  for (const { op, path, value } of operations) {
    if (path) {
      applyOne(result, op, path, value, target);
      continue;
    }
    if (op === 'remove') throw new ScimError(400, 'A "remove" operation needs a "path".', 'noTarget');
    if (!isObject(value)) throw new ScimError(400, `An "${op}" operation without a "path" needs an object as its "value".`, 'invalidValue');
    for (const [key, v] of Object.entries(value)) {
      const lower = key.toLowerCase();
      // A whole extension object: its attributes are merged or replaced one by one.
      const extension = target.extensions[lower];
      if (extension) {
        if (!isObject(v)) throw new ScimError(400, `"${key}" must be an object.`, 'invalidValue');
        for (const [attr, inner] of Object.entries(v)) applyOne(result, op, `${extension}:${attr}`, inner, target);
        continue;
      }
      // Okta repeats the resource's own id in a replace without a path: it is not a change.
      if (lower === 'id' && v === result.id) continue;
      applyOne(result, op, key, v, target);
    }
  }
  return result;
}
