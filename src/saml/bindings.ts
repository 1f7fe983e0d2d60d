// The two ways a SAML message reaches the SSO service (SAML Bindings §3.4, §3.5):
//   HTTP-Redirect  SAMLRequest in the query: raw DEFLATE, then base64; signed over the query string
//   HTTP-POST      SAMLRequest in a form: base64 of the XML; signed inside the XML
// Decoding is capped on both sides so a small message cannot inflate into a large one.
import { fromBase64 } from '../tokens/x509';

/** An AuthnRequest is a kilobyte or two; anything near this is refused unread. */
export const MAX_MESSAGE_BYTES = 32 * 1024;

export class BindingError extends Error {}

/** Inflates raw DEFLATE data, refusing output over `max` bytes (a deflate bomb stops there). */
export async function inflateRaw(data: Uint8Array, max: number): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > max) throw new BindingError(`The SAML request inflates to more than ${max} bytes.`);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error instanceof BindingError ? error : new BindingError('The SAML request is not DEFLATE-compressed (HTTP-Redirect binding).');
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function base64Bytes(value: string, what: string): Uint8Array {
  if (value.length > (MAX_MESSAGE_BYTES * 4) / 3 + 4) throw new BindingError(`The ${what} is too large.`);
  const bytes = fromBase64(value);
  if (!bytes) throw new BindingError(`The ${what} is not base64.`);
  return bytes;
}

function utf8Text(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new BindingError('The SAML request is not UTF-8 text.');
  }
}

/** The XML of a SAMLRequest received with the HTTP-Redirect binding. */
export async function decodeRedirect(value: string): Promise<string> {
  return utf8Text(await inflateRaw(base64Bytes(value, 'SAMLRequest'), MAX_MESSAGE_BYTES));
}

/** The XML of a SAMLRequest received with the HTTP-POST binding. */
export function decodePost(value: string): string {
  const bytes = base64Bytes(value, 'SAMLRequest');
  if (bytes.length > MAX_MESSAGE_BYTES) throw new BindingError('The SAML request is too large.');
  return utf8Text(bytes);
}

/** base64 of a message for an HTTP-POST form (a Response). */
export function encodePost(xml: string): string {
  const bytes = new TextEncoder().encode(xml);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
