// BER, the subset LDAP v3 uses (RFC 4511 §5.1): definite lengths only, tags below 31. Pure
// functions: encoding builds bytes, decoding reads one element at a time and refuses anything
// malformed (indefinite or oversized lengths, truncation) with a BerError, never a crash.

export class BerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BerError';
  }
}

/** Tag classes and the constructed bit, to build tags such as `APPLICATION | CONSTRUCTED | 0`. */
export const UNIVERSAL = 0x00;
export const APPLICATION = 0x40;
export const CONTEXT = 0x80;
export const CONSTRUCTED = 0x20;

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  enumerated: 0x0a,
  sequence: 0x30,
  set: 0x31,
} as const;

/** The largest element we accept: a directory answer is small; anything bigger is hostile. */
export const MAX_ELEMENT_LENGTH = 4 * 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function encodeLength(length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) throw new BerError('invalid length');
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One element: tag, length, contents. */
export function tlv(tag: number, contents: Uint8Array): Uint8Array {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) throw new BerError(`unsupported tag ${tag}`);
  return concat([Uint8Array.of(tag), encodeLength(contents.length), contents]);
}

/** A two's-complement integer, minimal length (also used for ENUMERATED). */
export function integerBytes(value: number): Uint8Array {
  if (!Number.isSafeInteger(value)) throw new BerError('integer out of range');
  const bytes: number[] = [];
  let n = BigInt(value);
  do {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (!((n === 0n && (bytes[0]! & 0x80) === 0) || (n === -1n && (bytes[0]! & 0x80) !== 0)));
  return Uint8Array.from(bytes);
}

export const integer = (value: number, tag: number = TAG.integer) => tlv(tag, integerBytes(value));
export const enumerated = (value: number) => tlv(TAG.enumerated, integerBytes(value));
export const boolean = (value: boolean, tag: number = TAG.boolean) => tlv(tag, Uint8Array.of(value ? 0xff : 0x00));
export const octets = (value: string | Uint8Array, tag: number = TAG.octetString) => tlv(tag, typeof value === 'string' ? encoder.encode(value) : value);
export const sequence = (items: Uint8Array[], tag: number = TAG.sequence) => tlv(tag, concat(items));

/** A decoded element: its tag byte, its contents, and where the next element starts. */
export interface Element {
  tag: number;
  contents: Uint8Array;
  end: number;
}

/**
 * Reads one element at `offset`. Returns null when `bytes` holds only part of it (a stream
 * reader waits for more); throws BerError when it can never be valid.
 */
export function readElement(bytes: Uint8Array, offset = 0): Element | null {
  if (offset >= bytes.length) return null;
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new BerError('multi-byte tags are not used by LDAP');
  if (offset + 1 >= bytes.length) return null;
  const first = bytes[offset + 1]!;
  let length: number;
  let at = offset + 2;
  if (first < 0x80) length = first;
  else {
    const count = first & 0x7f;
    if (count === 0) throw new BerError('indefinite lengths are not allowed in LDAP');
    if (count > 4) throw new BerError('element too long');
    if (at + count > bytes.length) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[at + i]!;
    at += count;
  }
  if (length > MAX_ELEMENT_LENGTH) throw new BerError('element too long');
  if (at + length > bytes.length) return null;
  return { tag, contents: bytes.subarray(at, at + length), end: at + length };
}

/** Reads one element that must be complete within `bytes`. */
export function requireElement(bytes: Uint8Array, offset = 0, expectedTag?: number): Element {
  const element = readElement(bytes, offset);
  if (!element) throw new BerError('truncated element');
  if (expectedTag !== undefined && element.tag !== expectedTag) {
    throw new BerError(`expected tag 0x${expectedTag.toString(16)}, got 0x${element.tag.toString(16)}`);
  }
  return element;
}

/** Every element inside a constructed element's contents. */
export function children(contents: Uint8Array): Element[] {
  const items: Element[] = [];
  for (let at = 0; at < contents.length; ) {
    const element = requireElement(contents, at);
    items.push(element);
    at = element.end;
  }
  return items;
}

export function decodeInteger(contents: Uint8Array): number {
  if (contents.length === 0 || contents.length > 6) throw new BerError('integer out of range');
  let n = BigInt.asIntN(8, BigInt(contents[0]!));
  for (let i = 1; i < contents.length; i++) n = (n << 8n) | BigInt(contents[i]!);
  return Number(n);
}

export function decodeBoolean(contents: Uint8Array): boolean {
  if (contents.length !== 1) throw new BerError('invalid boolean');
  return contents[0] !== 0;
}

export const decodeString = (contents: Uint8Array): string => decoder.decode(contents);
export const utf8 = (text: string): Uint8Array => encoder.encode(text);
