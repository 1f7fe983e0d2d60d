// Small readers for JSON input: each collects a message per invalid field instead of throwing,
// so one 400 can name every problem at once.
import { ValidationError, type FieldErrors } from './errors';

export type Input = Record<string, unknown>;

/** Which characters a text field accepts: `line` no control characters, `text` also tab and line
 * breaks (descriptions), `any` everything but NUL (passwords). */
export type TextKind = 'line' | 'text' | 'any';

const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_LAYOUT = /[^\P{Cc}\t\n\r]/u;
/** Zero-width characters, bidi marks, embeddings, overrides and isolates, the BOM and soft hyphen:
 * they make two different strings look the same, or text read in another order than it is stored. */
const INVISIBLE = /[\u00AD\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;
const LONE_SURROGATE = /\p{Cs}/u;

/** Why `text` is refused for a field of this kind, or null when it is fine. */
export function textProblem(text: string, kind: TextKind): string | null {
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode text';
  if (text.includes('\u0000')) return 'must not contain NUL characters';
  if (kind === 'line' && CONTROL.test(text)) return 'must not contain control characters such as tabs or line breaks';
  if (kind === 'text' && CONTROL_BUT_LAYOUT.test(text)) return 'must not contain control characters';
  return null;
}

/** Why an identifier (an email address) is refused: control, invisible or direction-changing characters. */
export function identifierProblem(text: string): string | null {
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode text';
  if (CONTROL.test(text)) return 'must not contain control characters';
  if (INVISIBLE.test(text)) return 'must not contain invisible or direction-changing characters';
  return null;
}

/** A field name the reader knows: own properties only, so `constructor` or `__proto__` never match. */
const own = (input: Input, key: string): unknown => (Object.hasOwn(input, key) ? input[key] : undefined);

export class FieldReader {
  /** Null prototype: a field named `constructor` or `__proto__` gets its own message like any other. */
  readonly errors: FieldErrors = Object.create(null) as FieldErrors;

  constructor(readonly input: Input) {}

  has(key: string): boolean {
    return own(this.input, key) !== undefined;
  }

  /** The raw value of `key` if the input itself has it (never an inherited property). */
  value(key: string): unknown {
    return own(this.input, key);
  }

  fail(key: string, message: string): undefined {
    if (!Object.hasOwn(this.errors, key)) this.errors[key] = message;
    return undefined;
  }

  /** Fails on every key that is not in `allowed`: a typo such as `redirect_uri` must not pass silently. */
  onlyKeys(allowed: readonly string[]): void {
    const known = new Set(allowed);
    for (const key of Object.keys(this.input)) {
      if (!known.has(key)) this.fail(key, `is not a known field (expected one of: ${allowed.join(', ')})`);
    }
  }

  /** `required`: must be present and non-empty; `notEmpty`: may be absent, but not empty when given. */
  string(key: string, opts: { required?: boolean; notEmpty?: boolean; max: number; min?: number; trim?: boolean; kind?: TextKind }): string | undefined {
    const value = this.value(key);
    if (value === undefined || value === null) return opts.required ? this.fail(key, 'is required') : undefined;
    if (typeof value !== 'string') return this.fail(key, 'must be a string');
    const text = opts.trim === false ? value : value.trim();
    const problem = textProblem(text, opts.kind ?? 'line');
    if (problem) return this.fail(key, problem);
    if ((opts.required || opts.notEmpty) && text === '') return this.fail(key, 'must not be empty');
    if (text.length < (opts.min ?? 0)) return this.fail(key, `must be at least ${opts.min} characters`);
    if (text.length > opts.max) return this.fail(key, `must be at most ${opts.max} characters`);
    return text;
  }

  oneOf<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = this.value(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !choices.includes(value as T)) {
      return this.fail(key, `must be one of: ${choices.join(', ')}`);
    }
    return value as T;
  }

  integer(key: string, min: number, max: number): number | undefined {
    const value = this.value(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(key, `must be a whole number from ${min} to ${max}`);
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.value(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') return this.fail(key, 'must be true or false');
    return value;
  }

  /** An array of short strings, trimmed, without duplicates or empties. */
  stringList(key: string, opts: { maxItems: number; maxLength: number; pattern?: RegExp }): string[] | undefined {
    const value = this.value(key);
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      return this.fail(key, 'must be an array of strings');
    }
    const items = [...new Set(value.map((v: string) => v.trim()).filter((v) => v !== ''))];
    if (items.length > opts.maxItems) return this.fail(key, `must have at most ${opts.maxItems} entries`);
    const bad = items.find((v) => v.length > opts.maxLength || (opts.pattern && !opts.pattern.test(v)));
    if (bad !== undefined) return this.fail(key, `has an invalid entry "${bad}"`);
    return items;
  }

  /** Throws one ValidationError naming every invalid field, if any. */
  done(): void {
    if (Object.keys(this.errors).length > 0) throw new ValidationError(this.errors);
  }
}

export function asObject(body: unknown): Input {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError({ body: 'must be a JSON object' });
  }
  return body as Input;
}
