// The local SMTP catcher for end-to-end tests: a real SMTP server (Debian python3-aiosmtpd,
// scripts/mail-catcher.py) on a free loopback port, writing each message to a throw-away folder.
// The worker sends to it through SMTP_URL; tests read what arrived, parsed (headers decoded,
// multipart text and HTML parts decoded).
//
//   const mail = await startMailCatcher();
//   const worker = await startLocalWorker({ vars: { SMTP_URL: mail.smtpUrl } });
//   const message = await mail.waitForMessage('ada@example.com');
//   message.subject, message.text, message.html, message.header('message-id')
//   await mail.stop();   // in afterAll
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-ignore -- plain ESM script without type declarations (shared with `npm run dev`)
import * as catcherScript from '../../scripts/mail-catcher.mjs';

export interface MimePart {
  headers: Map<string, string>;
  /** The decoded body (base64 / quoted-printable undone, UTF-8 decoded). */
  body: string;
  parts: MimePart[];
}

export interface CaughtMail {
  file: string;
  /** The SMTP envelope: MAIL FROM and RCPT TO. */
  mailFrom: string;
  rcptTos: string[];
  /** The message exactly as received. */
  raw: string;
  /** A header's value, unfolded and RFC 2047-decoded ('' when absent). */
  header(name: string): string;
  /** The header exactly as sent (unfolded, not decoded). */
  rawHeader(name: string): string;
  subject: string;
  contentType: string;
  /** The multipart's parts (empty for a single-part message). */
  parts: MimePart[];
  /** The text/plain and text/html bodies, wherever they are in the structure ('' when absent). */
  text: string;
  html: string;
}

export interface MailCatcher {
  name: string;
  port: number;
  dir: string;
  /** smtp://[user:pass@]127.0.0.1:<port>: pass it to the worker as SMTP_URL. */
  smtpUrl: string;
  messages(): CaughtMail[];
  /** Resolves with the first message to `address` (after the first `skip` ones to it); rejects after `timeoutMs`. */
  waitForMessage(address: string, options?: { timeoutMs?: number; skip?: number }): Promise<CaughtMail>;
  output(): string;
  stop(): Promise<void>;
}

// --- parsing --------------------------------------------------------------------------------

function splitHeaders(text: string): { headers: Map<string, string>; body: string } {
  const end = text.search(/\r?\n\r?\n/);
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body };
}

const utf8 = (bytes: Buffer, charset = 'utf-8') => new TextDecoder(charset).decode(bytes);

/** RFC 2047 encoded words (B and Q) decoded; whitespace between adjacent words dropped. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? utf8(Buffer.from(data, 'base64'), charset)
        : utf8(Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1'), charset),
    );
}

function decodeBody(body: string, headers: Map<string, string>): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const charset = /charset="?([^";\s]+)"?/i.exec(headers.get('content-type') ?? '')?.[1] ?? 'utf-8';
  if (encoding === 'base64') return utf8(Buffer.from(body.replace(/\s+/g, ''), 'base64'), charset);
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return utf8(Buffer.from(bytes, 'latin1'), charset);
  }
  return body;
}

export function parseMime(text: string): MimePart {
  const { headers, body } = splitHeaders(text);
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";\s]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || !boundary) return { headers, body: decodeBody(body, headers), parts: [] };
  const sections = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`));
  // sections[0] is the preamble; the last is the epilogue after the closing delimiter.
  const parts = sections.slice(1, -1).filter((s) => s.trim() !== '').map(parseMime);
  return { headers, body: '', parts };
}

function findBody(part: MimePart, type: string): string {
  if ((part.headers.get('content-type') ?? 'text/plain').toLowerCase().startsWith(type)) return part.body;
  for (const child of part.parts) {
    const found = findBody(child, type);
    if (found) return found;
  }
  return '';
}

function toCaught(file: string, mailFrom: string, rcptTos: string[], raw: string): CaughtMail {
  const root = parseMime(raw);
  const rawHeader = (name: string) => root.headers.get(name.toLowerCase()) ?? '';
  return {
    file,
    mailFrom,
    rcptTos,
    raw,
    rawHeader,
    header: (name) => decodeEncodedWords(rawHeader(name)),
    subject: decodeEncodedWords(rawHeader('subject')),
    contentType: rawHeader('content-type'),
    parts: root.parts,
    text: root.parts.length ? findBody(root, 'text/plain') : root.body,
    html: findBody(root, 'text/html'),
  };
}

// --- the catcher ------------------------------------------------------------------------------

interface StartedScript {
  port: number;
  dir: string;
  smtpUrl: string;
  output(): string;
  stop(): Promise<void>;
}

const started = new Set<StartedScript>();
process.once('exit', () => {
  for (const s of started) void s.stop();
});

/** PEM files for a catcher speaking TLS; `implicit`: TLS from the first byte (smtps://), else STARTTLS is required. */
export interface CatcherTls {
  cert: string;
  key: string;
  implicit?: boolean;
}

/**
 * Starts a catcher on a free port; `auth: 'user:password'` makes it require SMTP AUTH, `tls` makes
 * it speak TLS (the worker must trust the certificate: see `selfSignedLocalhost`).
 */
export async function startMailCatcher(options: { auth?: string; tls?: CatcherTls } = {}): Promise<MailCatcher> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-sso-mail-'));
  const script = (await (catcherScript as { startMailCatcher(o: object): Promise<StartedScript> }).startMailCatcher({ dir, auth: options.auth, tls: options.tls })) as StartedScript;
  started.add(script);

  const messages = (): CaughtMail[] => {
    const index = join(dir, 'index.jsonl');
    if (!existsSync(index)) return [];
    return readFileSync(index, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { file: string; mail_from: string; rcpt_tos: string[] })
      .map((entry) => toCaught(entry.file, entry.mail_from, entry.rcpt_tos, readFileSync(join(dir, entry.file), 'utf8')));
  };

  return {
    name: `mail catcher (${script.smtpUrl})`,
    port: script.port,
    dir,
    smtpUrl: script.smtpUrl,
    messages,
    output: () => script.output(),
    async waitForMessage(address, { timeoutMs = 30_000, skip = 0 } = {}) {
      const wanted = address.toLowerCase();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = messages().filter((m) => m.rcptTos.some((r) => r.toLowerCase() === wanted));
        if (matching.length > skip) return matching[skip]!;
        if (Date.now() > deadline) {
          throw new Error(`no message to ${address} reached the mail catcher within ${timeoutMs / 1000} s; caught: ${messages().map((m) => m.rcptTos.join(',')).join('; ') || 'nothing'}\n${script.output()}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      started.delete(script);
      await script.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A self-signed certificate for `localhost` and 127.0.0.1 (openssl), in a temporary folder. Give
 * `cert` to the worker as NODE_EXTRA_CA_CERTS (set before startLocalWorker) so workerd trusts it.
 */
export function selfSignedLocalhost(): { cert: string; key: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'edge-sso-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`openssl could not make a test certificate:\n${made.stderr}`);
  return { cert, key, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
