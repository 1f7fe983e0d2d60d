// The SCIM filter grammar (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2), as a pure parser: no I/O,
// every bad input a FilterError (never another exception), bounded in length and nesting so a
// hostile filter cannot exhaust the stack. Attribute names are case-insensitive: the tree keeps
// them lower-cased; string values keep their case (comparisons decide how to treat it).
//
//   FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"   ("(" FILTER ")" groups)
//   valuePath = attrPath "[" valFilter "]"
//   attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
//   logExp    = FILTER SP ("and" / "or") SP FILTER                      (not > and > or)
//   compValue = false / null / true / number / string (JSON)
//   attrPath  = [URI ":"] ATTRNAME *1subAttr

export const COMPARE_OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export type CompValue = string | number | boolean | null;

/** An attribute reference: `urn:…:User:manager.value` is { uri: 'urn:…:user', attr: 'manager', sub: 'value' }. */
export interface AttrPath {
  uri?: string;
  attr: string;
  sub?: string;
}

export type Filter =
  | { op: 'pr'; path: AttrPath }
  | { op: CompareOp; path: AttrPath; value: CompValue }
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: 'not'; filter: Filter }
  /** `emails[type eq "work"]`: an item of the multi-valued `path` matches `filter` (whose paths name sub-attributes). */
  | { op: 'has'; path: AttrPath; filter: Filter };

/** A PATCH operation's target: an attribute, optionally narrowed to the matching items of a multi-valued one and a sub-attribute. */
export interface PatchPath {
  path: AttrPath;
  /** `emails[type eq "work"]`: only the items that match. */
  where?: Filter;
  /** `emails[type eq "work"].value`: the sub-attribute of those items. */
  sub?: string;
}

export class FilterError extends Error {}

export const MAX_FILTER_LENGTH = 2048;
const MAX_DEPTH = 32;

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'value'; value: CompValue; at: number }
  | { kind: '(' | ')' | '[' | ']'; at: number };

const WORD = /[A-Za-z][A-Za-z0-9_:.$-]*/y;
const SUB_ATTR = /\.[A-Za-z][A-Za-z0-9_$-]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

function tokenize(text: string): Token[] {
  if (text.length > MAX_FILTER_LENGTH) throw new FilterError(`is longer than ${MAX_FILTER_LENGTH} characters`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
    } else if (ch === '(' || ch === ')' || ch === '[' || ch === ']') {
      tokens.push({ kind: ch, at: i });
      i++;
    } else if (ch === '"') {
      STRING.lastIndex = i;
      const m = STRING.exec(text);
      if (!m) throw new FilterError(`has an unterminated or malformed string at position ${i}`);
      tokens.push({ kind: 'value', value: JSON.parse(m[0]) as string, at: i });
      i += m[0].length;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) throw new FilterError(`has a malformed number at position ${i}`);
      tokens.push({ kind: 'value', value: Number(m[0]), at: i });
      i += m[0].length;
    } else if (ch === '.' && tokens.at(-1)?.kind === ']') {
      // `emails[type eq "work"].value`: a sub-attribute after the brackets.
      SUB_ATTR.lastIndex = i;
      const m = SUB_ATTR.exec(text);
      if (!m) throw new FilterError(`has a malformed sub-attribute at position ${i}`);
      tokens.push({ kind: 'word', text: m[0], at: i });
      i += m[0].length;
    } else {
      WORD.lastIndex = i;
      const m = WORD.exec(text);
      if (!m) throw new FilterError(`has an unexpected character "${ch}" at position ${i}`);
      const word = m[0];
      const lower = word.toLowerCase();
      if (lower === 'true' || lower === 'false') tokens.push({ kind: 'value', value: lower === 'true', at: i });
      else if (lower === 'null') tokens.push({ kind: 'value', value: null, at: i });
      else tokens.push({ kind: 'word', text: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}

/** `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName` → its URI, attribute and sub-attribute. */
export function parseAttrPath(text: string): AttrPath {
  const colon = text.lastIndexOf(':');
  const uri = colon >= 0 ? text.slice(0, colon).toLowerCase() : undefined;
  const rest = colon >= 0 ? text.slice(colon + 1) : text;
  const parts = rest.split('.');
  const valid = /^[A-Za-z][A-Za-z0-9_$-]*$/;
  if (parts.length > 2 || !parts.every((p) => valid.test(p)) || (uri !== undefined && !/^urn:[a-z0-9][a-z0-9:._-]*$/.test(uri))) {
    throw new FilterError(`has an invalid attribute path "${text}"`);
  }
  return { ...(uri ? { uri } : {}), attr: parts[0]!.toLowerCase(), ...(parts[1] ? { sub: parts[1].toLowerCase() } : {}) };
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private keyword(): string | undefined {
    const t = this.peek();
    return t?.kind === 'word' ? t.text.toLowerCase() : undefined;
  }

  private expect(kind: Token['kind']): Token {
    const t = this.tokens[this.i];
    if (!t || t.kind !== kind) throw new FilterError(t ? `expected "${kind}" at position ${t.at}` : `ends where "${kind}" was expected`);
    this.i++;
    return t;
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new FilterError(`nests deeper than ${MAX_DEPTH} levels`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  /** FILTER with `or` binding loosest. */
  filter(): Filter {
    return this.nested(() => {
      let left = this.conjunction();
      while (this.keyword() === 'or') {
        this.i++;
        left = { op: 'or', left, right: this.conjunction() };
      }
      return left;
    });
  }

  private conjunction(): Filter {
    let left = this.unary();
    while (this.keyword() === 'and') {
      this.i++;
      left = { op: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Filter {
    const t = this.peek();
    if (!t) throw new FilterError('ends where an expression was expected');
    if (t.kind === '(') {
      this.i++;
      const inner = this.filter();
      this.expect(')');
      return inner;
    }
    if (t.kind === 'word' && t.text.toLowerCase() === 'not' && this.tokens[this.i + 1]?.kind === '(') {
      this.i += 2;
      const inner = this.filter();
      this.expect(')');
      return { op: 'not', filter: inner };
    }
    if (t.kind !== 'word') throw new FilterError(`expected an attribute at position ${t.at}`);
    this.i++;
    const path = parseAttrPath(t.text);
    if (this.peek()?.kind === '[') {
      this.i++;
      const inner = this.filter();
      this.expect(']');
      const sub = this.peek();
      // Entra ID's `emails[type eq "work"].value eq "…"`: an item matching the brackets whose sub-attribute compares.
      if (sub?.kind === 'word' && /^\.[A-Za-z][A-Za-z0-9_$-]*$/.test(sub.text)) {
        this.i++;
        const compared = this.comparison({ attr: sub.text.slice(1).toLowerCase() }, sub);
        return { op: 'has', path, filter: { op: 'and', left: inner, right: compared } };
      }
      return { op: 'has', path, filter: inner };
    }
    return this.comparison(path, t);
  }

  /** `pr`, or a comparison operator and its value, after an attribute path. */
  private comparison(path: AttrPath, after: Token & { kind: 'word' }): Filter {
    const opToken = this.peek();
    const op = this.keyword();
    if (op === 'pr') {
      this.i++;
      return { op: 'pr', path };
    }
    if (!op || !(COMPARE_OPS as readonly string[]).includes(op)) {
      throw new FilterError(opToken ? `expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) at position ${opToken.at}` : `ends after "${after.text}" where an operator was expected`);
    }
    this.i++;
    const value = this.peek();
    if (value?.kind !== 'value') throw new FilterError(value ? `expected a value (a "string", number, true, false or null) at position ${value.at}` : `ends after "${op}" where a value was expected`);
    this.i++;
    return { op: op as CompareOp, path, value: value.value };
  }
}

/** Parses a `filter` query parameter. Throws FilterError with a message for the client. */
export function parseFilter(text: string): Filter {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new FilterError('is empty');
  const parser = new Parser(tokens);
  const filter = parser.filter();
  if (!parser.done()) throw new FilterError('has unexpected text after the expression');
  return filter;
}

/** Parses a PATCH operation's `path`: `active`, `name.givenName`, `emails[type eq "work"].value`, `members[value eq "…"]`, a URN path. */
export function parsePatchPath(text: string): PatchPath {
  const bracket = text.indexOf('[');
  if (bracket < 0) {
    if (text.length > 512) throw new FilterError('is too long');
    return { path: parseAttrPath(text.trim()) };
  }
  const path = parseAttrPath(text.slice(0, bracket).trim());
  const close = text.lastIndexOf(']');
  if (close < bracket) throw new FilterError('has "[" without "]"');
  const after = text.slice(close + 1);
  if (after !== '' && !/^\.[A-Za-z][A-Za-z0-9_$-]*$/.test(after)) throw new FilterError(`has unexpected text "${after}" after "]"`);
  const inner = new Parser(tokenize(text.slice(bracket + 1, close)));
  const where = inner.filter();
  if (!inner.done()) throw new FilterError('has unexpected text inside "[…]"');
  return { path, where, ...(after ? { sub: after.slice(1).toLowerCase() } : {}) };
}

// --- Printing (the inverse of parsing; used by tests and error messages) -----------------------

export function printAttrPath(path: AttrPath): string {
  return `${path.uri ? `${path.uri}:` : ''}${path.attr}${path.sub ? `.${path.sub}` : ''}`;
}

export function printFilter(filter: Filter): string {
  switch (filter.op) {
    case 'pr':
      return `${printAttrPath(filter.path)} pr`;
    case 'and':
    case 'or':
      return `(${printFilter(filter.left)} ${filter.op} ${printFilter(filter.right)})`;
    case 'not':
      return `not (${printFilter(filter.filter)})`;
    case 'has':
      return `${printAttrPath(filter.path)}[${printFilter(filter.filter)}]`;
    default:
      return `${printAttrPath(filter.path)} ${filter.op} ${JSON.stringify(filter.value)}`;
  }
}

// --- Evaluation over a resource in memory (PATCH value filters, multi-valued attributes) ---------

/** The value at a (lower-cased) attribute name of a JSON object, whatever its case there. */
export function attrOf(object: unknown, name: string): unknown {
  if (!object || typeof object !== 'object' || Array.isArray(object)) return undefined;
  for (const [key, value] of Object.entries(object)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function compare(op: CompareOp, actual: unknown, expected: CompValue): boolean {
  if (Array.isArray(actual)) return actual.some((item) => compare(op, attrOf(item, 'value') ?? item, expected));
  if (op === 'eq' && expected === null) return actual === null || actual === undefined;
  if (op === 'ne' && expected === null) return actual !== null && actual !== undefined;
  if (actual === undefined || actual === null || expected === null) return false;
  // Strings compare case-insensitively (caseExact is false for every attribute edge-sso filters on).
  const a = typeof actual === 'string' ? actual.toLowerCase() : actual;
  const e = typeof expected === 'string' ? expected.toLowerCase() : expected;
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'co':
      return typeof a === 'string' && typeof e === 'string' && a.includes(e);
    case 'sw':
      return typeof a === 'string' && typeof e === 'string' && a.startsWith(e);
    case 'ew':
      return typeof a === 'string' && typeof e === 'string' && a.endsWith(e);
    default: {
      if (typeof a !== typeof e || typeof a === 'boolean') return false;
      const [x, y] = [a as string | number, e as string | number];
      return op === 'gt' ? x > y : op === 'ge' ? x >= y : op === 'lt' ? x < y : x <= y;
    }
  }
}

function valueAt(object: unknown, path: AttrPath): unknown {
  const value = attrOf(object, path.attr);
  if (!path.sub) return value;
  if (Array.isArray(value)) return value.map((item) => attrOf(item, path.sub!)).filter((v) => v !== undefined);
  return attrOf(value, path.sub);
}

/** Whether a JSON object (a resource, or an item of a multi-valued attribute) matches the filter. */
export function matches(filter: Filter, object: unknown): boolean {
  switch (filter.op) {
    case 'and':
      return matches(filter.left, object) && matches(filter.right, object);
    case 'or':
      return matches(filter.left, object) || matches(filter.right, object);
    case 'not':
      return !matches(filter.filter, object);
    case 'pr': {
      const v = valueAt(object, filter.path);
      return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
    }
    case 'has': {
      const items = attrOf(object, filter.path.attr);
      return Array.isArray(items) && items.some((item) => matches(filter.filter, item));
    }
    default:
      return compare(filter.op, valueAt(object, filter.path), filter.value);
  }
}
