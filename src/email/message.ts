// Message building: RFC 5322 multipart/alternative (text + HTML) with mimetext. Pure: the
// caller passes the time and the random part of the Message-ID, so tests see exact output.
// mimetext writes every display name and subject as one long encoded word; RFC 2047 limits an
// encoded word to 75 characters, so those three headers are written by `encodeHeaderText`.
import { createMimeMessage, Mailbox } from 'mimetext/browser';
import { bytesToBase64 } from './encoding';

export interface Sender {
  name: string;
  address: string;
}

export interface MessageInput {
  from: Sender;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The public base URL: its host names the Message-ID's right-hand side. */
  issuer: string;
  now?: Date;
  /** The Message-ID's left-hand side (random by default). */
  uniquePart?: string;
}

export interface BuiltMessage {
  from: Sender;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The complete message, CRLF line ends, 7-bit clean. */
  raw: string;
}

// Printable ASCII only: a non-ASCII address would need SMTPUTF8, which relays do not all offer.
const ADDRESS = /^[!#-'*+\-/-9=?A-Z^-~.]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** A plain ASCII `local@domain` address, as SMTP and headers need it (no display name, no line breaks). */
export function isMailAddress(value: string): boolean {
  return value.length <= 254 && ADDRESS.test(value);
}

const oneLine = (value: string) => value.replace(/[\r\n\t]+/g, ' ').replace(/\s{2,}/g, ' ').trim();

/**
 * The sender: EMAIL_FROM (`address` or `Name <address>`), else no-reply@ the issuer's host; the
 * display name defaults to the branding's product name.
 */
export function senderFrom(emailFrom: string | undefined, issuer: string, productName: string): Sender {
  const configured = emailFrom?.trim() ?? '';
  if (!configured) return { name: productName, address: `no-reply@${new URL(issuer).hostname}` };
  const named = /^(.*?)\s*<([^<>]+)>$/.exec(configured);
  const address = (named ? named[2]! : configured).trim();
  if (!isMailAddress(address)) throw new Error(`EMAIL_FROM is not an email address: "${configured}"`);
  const name = named ? oneLine(named[1]!.replace(/^"(.*)"$/, '$1')) : '';
  return { name: name || productName, address };
}

// RFC 2047: each encoded word at most 75 characters; `=?UTF-8?B?` + `?=` leave 63 for base64,
// i.e. 45 bytes. Words are split between characters (never inside a UTF-8 sequence).
const MAX_WORD_BYTES = 45;

/** A header value: as is when it is printable ASCII, else RFC 2047 encoded words folded onto lines. */
export function encodeHeaderText(value: string): string {
  const clean = oneLine(value);
  if (/^[\x20-\x7e]*$/.test(clean) && clean.length <= 900) return clean;
  const encoder = new TextEncoder();
  const words: number[][] = [];
  let chunk: number[] = [];
  for (const ch of clean) {
    const bytes = encoder.encode(ch);
    if (chunk.length + bytes.length > MAX_WORD_BYTES) {
      words.push(chunk.slice());
      chunk = [];
    }
    chunk.push(...bytes);
  }
  if (chunk.length) words.push(chunk.slice());
  return words.map((w) => `=?UTF-8?B?${bytesToBase64(Uint8Array.from(w))}?=`).join('\r\n ');
}

/** A display name for From/To: quoted when ASCII, encoded words otherwise. */
export function encodeMailbox(name: string, address: string): string {
  const clean = oneLine(name);
  if (!clean) return `<${address}>`;
  if (/^[\x20-\x7e]*$/.test(clean)) return `"${clean.replace(/(["\\])/g, '\\$1')}" <${address}>`;
  return `${encodeHeaderText(clean)} <${address}>`;
}

/** Base64 body lines of 76 characters, as MIME wants them. */
export function base64Body(text: string): string {
  return (bytesToBase64(new TextEncoder().encode(text)).match(/.{1,76}/g) ?? []).join('\r\n');
}

function randomPart(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function buildMessage(input: MessageInput): BuiltMessage {
  if (!isMailAddress(input.to)) throw new Error(`not an email address: "${oneLine(input.to)}"`);
  if (!isMailAddress(input.from.address)) throw new Error(`sender is not an email address: "${input.from.address}"`);
  const host = new URL(input.issuer).hostname;
  const messageId = `<${input.uniquePart ?? randomPart()}@${host}>`;
  const date = (input.now ?? new Date()).toUTCString().replace(/GMT$/, '+0000');

  const msg = createMimeMessage();
  msg.setSender({ addr: input.from.address, name: input.from.name });
  msg.setRecipient(input.to);
  msg.setSubject(input.subject);
  msg.setHeader('Date', date);
  msg.setHeader('Message-ID', messageId);
  for (const field of msg.headers.fields) {
    if (field.name === 'Subject') field.dump = (v) => encodeHeaderText(String(v));
    if (field.name === 'From' || field.name === 'To') {
      field.dump = (v) => ((Array.isArray(v) ? v : [v]) as Mailbox[]).map((m) => encodeMailbox(m.name, m.addr)).join(', ');
    }
  }
  msg.addMessage({ contentType: 'text/plain', encoding: 'base64', data: base64Body(input.text) });
  msg.addMessage({ contentType: 'text/html', encoding: 'base64', data: base64Body(input.html) });
  const raw = msg.asRaw().replace(/\r?\n/g, '\r\n');
  return { from: input.from, to: input.to, subject: oneLine(input.subject), text: input.text, html: input.html, messageId, raw };
}
