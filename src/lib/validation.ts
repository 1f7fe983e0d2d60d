// Small readers for JSON input: each collects a message per invalid field instead of throwing,
// so one 400 can name every problem at once.
import { ValidationError, type FieldErrors } from './errors';

export type Input = Record<string, unknown>;

export class FieldReader {
  readonly errors: FieldErrors = {};

  constructor(readonly input: Input) {}

  has(key: string): boolean {
    return this.input[key] !== undefined;
  }

  fail(key: string, message: string): undefined {
    this.errors[key] ??= message;
    return undefined;
  }

  /** Fails on every key that is not in `allowed`: a typo such as `redirect_uri` must not pass silently. */
  onlyKeys(allowed: readonly string[]): void {
    for (const key of Object.keys(this.input)) {
      if (!allowed.includes(key)) this.fail(key, `is not a known field (expected one of: ${allowed.join(', ')})`);
    }
  }

  /** `required`: must be present and non-empty; `notEmpty`: may be absent, but not empty when given. */
  string(key: string, opts: { required?: boolean; notEmpty?: boolean; max: number; min?: number; trim?: boolean }): string | undefined {
    const value = this.input[key];
    if (value === undefined || value === null) return opts.required ? this.fail(key, 'is required') : undefined;
    if (typeof value !== 'string') return this.fail(key, 'must be a string');
    const text = opts.trim === false ? value : value.trim();
    if ((opts.required || opts.notEmpty) && text === '') return this.fail(key, 'must not be empty');
    if (text.length < (opts.min ?? 0)) return this.fail(key, `must be at least ${opts.min} characters`);
    if (text.length > opts.max) return this.fail(key, `must be at most ${opts.max} characters`);
    return text;
  }

  oneOf<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const value = this.input[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !choices.includes(value as T)) {
      return this.fail(key, `must be one of: ${choices.join(', ')}`);
    }
    return value as T;
  }

  integer(key: string, min: number, max: number): number | undefined {
    const value = this.input[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.fail(key, `must be a whole number from ${min} to ${max}`);
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.input[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') return this.fail(key, 'must be true or false');
    return value;
  }

  /** An array of short strings, trimmed, without duplicates or empties. */
  stringList(key: string, opts: { maxItems: number; maxLength: number; pattern?: RegExp }): string[] | undefined {
    const value = this.input[key];
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
