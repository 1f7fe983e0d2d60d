// LDAP search filters (RFC 4515): escaping a value typed by a user, parsing the admin's filter
// string, and encoding it as BER (RFC 4511 §4.5.1). `{login}` is replaced by the escaped login
// name before parsing, so a login such as `*)(uid=*` stays one literal value.
import { BerError, boolean, CONSTRUCTED, CONTEXT, octets, sequence, tlv, utf8 } from './ber';

export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }
  | { equal: [attribute: string, value: Uint8Array] }
  | { approx: [attribute: string, value: Uint8Array] }
  | { greater: [attribute: string, value: Uint8Array] }
  | { less: [attribute: string, value: Uint8Array] }
  | { present: string }
  | { substrings: { attribute: string; initial?: Uint8Array; any: Uint8Array[]; final?: Uint8Array } }
  | { extensible: { rule?: string; attribute?: string; value: Uint8Array; dn: boolean } };

export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

/** RFC 4515 §3: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`, `\00`. Everything else is literal UTF-8. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\u0000]/g, (ch) => `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const LOGIN_PLACEHOLDER = '{login}';

/** The admin's filter with `{login}` replaced by the escaped login, parsed. */
export function userFilter(template: string, login: string): Filter {
  return parseFilter(template.split(LOGIN_PLACEHOLDER).join(escapeFilterValue(login)));
}

/** Whether a filter template is usable: it parses and names `{login}`. Returns a message or null. */
export function checkFilterTemplate(template: string): string | null {
  if (!template.includes(LOGIN_PLACEHOLDER)) return `must contain ${LOGIN_PLACEHOLDER}, e.g. (|(uid={login})(mail={login}))`;
  try {
    userFilter(template, 'x');
    return null;
  } catch (error) {
    return `is not a valid LDAP filter: ${(error as Error).message}`;
  }
}

const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;
const MAX_DEPTH = 20;

class Parser {
  at = 0;
  constructor(readonly text: string) {}

  fail(message: string): never {
    throw new FilterError(`${message} at position ${this.at + 1}`);
  }

  filter(depth: number): Filter {
    if (depth > MAX_DEPTH) this.fail('filter nested too deeply');
    if (this.text[this.at] !== '(') this.fail('expected "("');
    this.at++;
    const ch = this.text[this.at];
    let result: Filter;
    if (ch === '&' || ch === '|') {
      this.at++;
      const list: Filter[] = [];
      while (this.text[this.at] === '(') list.push(this.filter(depth + 1));
      if (list.length === 0) this.fail(`"${ch}" needs at least one filter`);
      result = ch === '&' ? { and: list } : { or: list };
    } else if (ch === '!') {
      this.at++;
      result = { not: this.filter(depth + 1) };
    } else {
      result = this.item();
    }
    if (this.text[this.at] !== ')') this.fail('expected ")"');
    this.at++;
    return result;
  }

  item(): Filter {
    const start = this.at;
    while (this.at < this.text.length && !'=~<>:()'.includes(this.text[this.at]!)) this.at++;
    const left = this.text.slice(start, this.at);
    const op = this.text[this.at];
    if (op === ':' || (left.includes(':') && op === '=')) return this.extensible(left);
    if (!ATTRIBUTE.test(left)) this.fail(`invalid attribute "${left}"`);
    if (op === '~' || op === '>' || op === '<') {
      if (this.text[this.at + 1] !== '=') this.fail(`expected "=" after "${op}"`);
      this.at += 2;
      const value = this.value(false)[0]!;
      return op === '~' ? { approx: [left, value] } : op === '>' ? { greater: [left, value] } : { less: [left, value] };
    }
    if (op !== '=') this.fail('expected "="');
    this.at++;
    const parts = this.value(true);
    if (parts.length === 1) return { equal: [left, parts[0]!] };
    if (parts.length === 2 && parts[0]!.length === 0 && parts[1]!.length === 0) return { present: left };
    const initial = parts[0]!.length ? parts[0] : undefined;
    const final = parts[parts.length - 1]!.length ? parts[parts.length - 1] : undefined;
    const any = parts.slice(1, -1);
    if (any.some((p) => p.length === 0)) this.fail('"**" is not allowed');
    return { substrings: { attribute: left, initial, any, final } };
  }

  extensible(left: string): Filter {
    // attr [":dn"] [":" rule] ":=" value  |  [":dn"] ":" rule ":=" value
    while (this.text[this.at] === ':' && this.text[this.at + 1] !== '=') {
      const start = this.at;
      this.at++;
      while (this.at < this.text.length && !':=()'.includes(this.text[this.at]!)) this.at++;
      left += this.text.slice(start, this.at);
    }
    if (this.text[this.at] !== ':' || this.text[this.at + 1] !== '=') this.fail('expected ":="');
    this.at += 2;
    const parts = left.split(':');
    const attribute = parts.shift()!;
    let dn = false;
    let rule: string | undefined;
    for (const part of parts) {
      if (part.toLowerCase() === 'dn' && !dn && rule === undefined) dn = true;
      else if (rule === undefined && ATTRIBUTE.test(part)) rule = part;
      else this.fail(`invalid extensible match "${left}"`);
    }
    if (attribute !== '' && !ATTRIBUTE.test(attribute)) this.fail(`invalid attribute "${attribute}"`);
    if (attribute === '' && rule === undefined) this.fail('an extensible match needs an attribute or a matching rule');
    return { extensible: { rule, attribute: attribute || undefined, value: this.value(false)[0]!, dn } };
  }

  /** A value up to ")", unescaped; split at unescaped `*` when `stars` (substrings). */
  value(stars: boolean): Uint8Array[] {
    const parts: Uint8Array[] = [];
    let bytes: number[] = [];
    while (this.at < this.text.length && this.text[this.at] !== ')') {
      const ch = this.text[this.at]!;
      if (ch === '(') this.fail('"(" must be escaped as \\28');
      if (ch === '\\') {
        const hex = this.text.slice(this.at + 1, this.at + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('"\\" must be followed by two hex digits');
        bytes.push(parseInt(hex, 16));
        this.at += 3;
      } else if (ch === '*') {
        if (!stars) this.fail('"*" must be escaped as \\2a');
        parts.push(Uint8Array.from(bytes));
        bytes = [];
        this.at++;
      } else {
        const cp = this.text.codePointAt(this.at)!;
        const text = String.fromCodePoint(cp);
        bytes.push(...utf8(text));
        this.at += text.length;
      }
    }
    parts.push(Uint8Array.from(bytes));
    return parts;
  }
}

export function parseFilter(text: string): Filter {
  if (text.length > 4096) throw new FilterError('filter too long');
  const parser = new Parser(text.trim());
  const filter = parser.filter(0);
  if (parser.at !== parser.text.length) parser.fail('unexpected text after the filter');
  return filter;
}

const ctx = (n: number, constructed = true) => CONTEXT | (constructed ? CONSTRUCTED : 0) | n;

export function encodeFilter(filter: Filter): Uint8Array {
  if ('and' in filter) return sequence(filter.and.map(encodeFilter), ctx(0));
  if ('or' in filter) return sequence(filter.or.map(encodeFilter), ctx(1));
  if ('not' in filter) return tlv(ctx(2), encodeFilter(filter.not));
  if ('equal' in filter) return sequence([octets(filter.equal[0]), octets(filter.equal[1])], ctx(3));
  if ('greater' in filter) return sequence([octets(filter.greater[0]), octets(filter.greater[1])], ctx(5));
  if ('less' in filter) return sequence([octets(filter.less[0]), octets(filter.less[1])], ctx(6));
  if ('approx' in filter) return sequence([octets(filter.approx[0]), octets(filter.approx[1])], ctx(8));
  if ('present' in filter) return octets(filter.present, ctx(7, false));
  if ('substrings' in filter) {
    const { attribute, initial, any, final } = filter.substrings;
    const parts = [
      ...(initial ? [octets(initial, ctx(0, false))] : []),
      ...any.map((a) => octets(a, ctx(1, false))),
      ...(final ? [octets(final, ctx(2, false))] : []),
    ];
    return sequence([octets(attribute), sequence(parts)], ctx(4));
  }
  if ('extensible' in filter) {
    const { rule, attribute, value, dn } = filter.extensible;
    return sequence(
      [
        ...(rule ? [octets(rule, ctx(1, false))] : []),
        ...(attribute ? [octets(attribute, ctx(2, false))] : []),
        octets(value, ctx(3, false)),
        ...(dn ? [boolean(true, ctx(4, false))] : []),
      ],
      ctx(9),
    );
  }
  throw new BerError('unknown filter');
}

