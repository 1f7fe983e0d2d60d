// Hostile identifiers and field names, property-based: what the admin API and the console
// accept as emails, names and passwords, and that no prototype name passes as a field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAppChanges, parseNewApp } from '../../src/apps/input';
import { ValidationError } from '../../src/lib/errors';
import { FieldReader } from '../../src/lib/validation';
import { normaliseEmail, parseNewUser, parseUserChanges } from '../../src/users/input';
import { admin, createUser, unique } from '../helpers';

/** The field errors of a parse, or null when it succeeded; anything else thrown fails the test. */
function errorsOf(parse: () => unknown): Record<string, string> | null {
  try {
    parse();
    return null;
  } catch (error) {
    if (error instanceof ValidationError) return error.fields;
    throw error;
  }
}

const CONTROL = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((c) => String.fromCharCode(c));
const INVISIBLE = fc.constantFrom('\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u061C');
const LONE_SURROGATE = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map((c) => String.fromCharCode(c));
const LOCAL = fc.stringMatching(/^[a-z0-9._+-]{1,20}$/);
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', 'isPrototypeOf'];

/** `text` with `insert` placed at some position inside it. */
const inserted = (text: fc.Arbitrary<string>, insert: fc.Arbitrary<string>) =>
  fc.tuple(text, insert, fc.nat()).map(([t, c, i]) => t.slice(0, i % (t.length + 1)) + c + t.slice(i % (t.length + 1)));

describe('emails', () => {

  it('refuses control, zero-width, bidi and lone-surrogate characters anywhere in the address', () => {
    fc.assert(
      // Inside the address: whitespace around it is trimmed like any pasted text.
      fc.property(LOCAL, fc.oneof(CONTROL, INVISIBLE, LONE_SURROGATE), fc.constantFrom(0, 1, 2), (local, bad, where) => {
        const address = [`a${bad}${local}@example.com`, `${local}@exa${bad}mple.com`, `${local}${bad}z@example.com`][where]!;
        expect(errorsOf(() => parseNewUser({ email: address, password: 'long enough password' }))).toHaveProperty('email');
        expect(errorsOf(() => parseUserChanges({ email: address }))).toHaveProperty('email');
      }),
      { numRuns: 300 },
    );
  });

  it('stores the NFC form, so a decomposed and a composed address are the same account', () => {
    fc.assert(
      fc.property(LOCAL, (local) => {
        const decomposed = `${local}e\u0301@example.com`;
        const parsed = parseNewUser({ email: decomposed.toUpperCase(), password: 'long enough password' });
        expect(parsed.email).toBe(`${local}\u00e9@example.com`);
        expect(normaliseEmail(decomposed)).toBe(parsed.email);
      }),
    );
  });

  it('refuses a second account whose email differs only in Unicode normalisation (409)', async () => {
    const local = unique('jose');
    expect((await admin('POST', '/users', { email: `${local}-jos\u00e9@example.com`, password: 'long enough password' })).status).toBe(201);
    const res = await admin('POST', '/users', { email: `${local}-jose\u0301@example.com`, password: 'long enough password' });
    expect(res.status).toBe(409);
  });
});

describe('names', () => {
  it('refuses control characters (NUL included) in user names and app names', () => {
    fc.assert(
      fc.property(inserted(fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== ''), CONTROL), fc.constantFrom('name', 'given_name', 'family_name', 'username'), (text, field) => {
        expect(errorsOf(() => parseUserChanges({ [field]: `A${text}Z` }))).toHaveProperty(field);
        expect(errorsOf(() => parseAppChanges({ name: `A${text}Z` }))).toHaveProperty('name');
      }),
      { numRuns: 300 },
    );
  });

  it('accepts ordinary names in any script, and line breaks in an app description but never NUL', () => {
    for (const name of ['Zoë Ångström', 'José Núñez', '李小龍', 'O’Brien-Smith', 'Παπαδόπουλος']) {
      expect(parseUserChanges({ name }).name).toBe(name);
      expect(parseAppChanges({ name }).name).toBe(name);
    }
    expect(parseAppChanges({ description: 'Line one\nLine two\tindented' }).description).toBe('Line one\nLine two\tindented');
    expect(errorsOf(() => parseAppChanges({ description: 'before\u0000after' }))).toHaveProperty('description');
  });

  it('answers a NUL in a name through the API with a 400 naming the field', async () => {
    const user = await createUser();
    const res = await admin('PATCH', `/users/${user.id}`, { name: 'Ada\u0000Lovelace' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ fields: { name: 'must not contain NUL characters' } });
  });
});

describe('passwords', () => {
  it('refuses a password made only of whitespace, whatever its length', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(' ', '\t', '\u00a0', '\u3000', '\n', '\u2003'), { minLength: 8, maxLength: 64 }), (chars) => {
        expect(errorsOf(() => parseNewUser({ email: 'a@example.com', password: chars.join('') }))).toHaveProperty('password');
      }),
    );
  });

  it('keeps a password with spaces around real characters exactly as typed', () => {
    expect(parseNewUser({ email: 'a@example.com', password: '  spaced password  ' }).password).toBe('  spaced password  ');
  });
});

describe('field names', () => {
  it('rejects prototype names as unknown fields in every parser', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROTOTYPE_NAMES), fc.jsonValue(), (key, value) => {
        const body = JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value ?? null)}}`) as Record<string, unknown>;
        const user = { email: 'a@example.com', password: 'long enough password', ...body };
        expect(errorsOf(() => parseNewUser(user))?.[key]).toMatch(/not a known field/);
        expect(errorsOf(() => parseUserChanges(body))?.[key]).toMatch(/not a known field/);
        expect(errorsOf(() => parseNewApp({ name: 'x', redirect_urls: ['https://a.example.com/cb'], ...body }))?.[key]).toMatch(/not a known field/);
        expect(errorsOf(() => parseAppChanges(body))?.[key]).toMatch(/not a known field/);
      }),
    );
  });

  it('never reads an inherited property as a field', () => {
    const reader = new FieldReader({});
    for (const key of PROTOTYPE_NAMES) {
      expect(reader.has(key)).toBe(false);
      expect(reader.value(key)).toBeUndefined();
    }
    expect(reader.string('toString', { required: true, max: 10 })).toBeUndefined();
    expect(reader.errors).toEqual({ toString: 'is required' });
  });

  it('answers any JSON object with a result or field errors, never another exception', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES, 'email', 'name', 'groups', 'redirect_urls', 'branding'), fc.string()), fc.jsonValue()), (body) => {
        errorsOf(() => parseNewUser(body));
        errorsOf(() => parseUserChanges(body));
        errorsOf(() => parseNewApp(body));
        errorsOf(() => parseAppChanges(body));
      }),
      { numRuns: 300 },
    );
  });
});
