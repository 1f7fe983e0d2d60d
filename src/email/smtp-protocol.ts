// The pure pieces of an SMTP submission dialogue (RFC 5321, 4954, 3207): the SMTP_URL setting,
// reply parsing, dot-stuffing and AUTH encodings. No I/O, so every piece is tested directly.
import { isLoopbackHost } from '../env';
import { bytesToBase64 } from './encoding';

export type SmtpSecurity = 'tls' | 'starttls' | 'loopback';

export interface SmtpConfig {
  host: string;
  port: number;
  /**
   * `tls`: smtps:// (TLS from the first byte, port 465). `starttls`: smtp://, upgraded before AUTH
   * and refused when the server does not offer STARTTLS. `loopback`: smtp:// to this machine,
   * upgraded when STARTTLS is offered, else plain text (a local catcher).
   */
  security: SmtpSecurity;
  username: string;
  password: string;
}

/** A setting error: the message says what to change. */
export class SmtpConfigError extends Error {}

/**
 * Reads SMTP_URL: `smtp://user:pass@host:587` (STARTTLS required) or `smtps://user:pass@host:465`.
 * Port 25 is refused: Cloudflare Workers cannot open outbound connections to it. Plain `smtp://`
 * without STARTTLS is allowed only to a loopback host (a local catcher).
 */
export function parseSmtpUrl(raw: string): SmtpConfig {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new SmtpConfigError('SMTP_URL is not a URL; expected smtp://user:password@host:587 or smtps://user:password@host:465');
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'smtp' && scheme !== 'smtps') throw new SmtpConfigError(`SMTP_URL must start with smtp:// or smtps://, not ${scheme}://`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new SmtpConfigError('SMTP_URL has no host');
  const port = url.port ? Number(url.port) : scheme === 'smtps' ? 465 : 587;
  if (port === 25) {
    throw new SmtpConfigError('SMTP_URL uses port 25, which Cloudflare Workers block for outbound connections; use your relay\'s submission port 587 (smtp://) or 465 (smtps://)');
  }
  const loopback = isLoopbackHost(url.hostname);
  const security: SmtpSecurity = scheme === 'smtps' ? 'tls' : loopback ? 'loopback' : 'starttls';
  return { host, port, security, username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

/** Where SMTP_URL points, without the credentials (for the console and logs). */
export function describeSmtp(config: SmtpConfig): string {
  const security = config.security === 'tls' ? 'TLS' : config.security === 'starttls' ? 'STARTTLS' : 'STARTTLS if offered (loopback)';
  return `${config.host}:${config.port}, ${security}${config.username ? `, AUTH as ${config.username}` : ', no AUTH'}`;
}

export interface SmtpReply {
  code: number;
  /** The text of every line, without the code. */
  lines: string[];
}

/**
 * Splits buffered server output into complete replies. A reply is lines `250-…` ended by a line
 * `250 …` (or a bare `250`); what is left is an incomplete reply to keep for the next read.
 */
export function parseReplies(buffer: string): { replies: SmtpReply[]; rest: string } {
  const replies: SmtpReply[] = [];
  let lines: string[] = [];
  let replyStart = 0;
  let consumed = 0;
  let index: number;
  while ((index = buffer.indexOf('\n', consumed)) !== -1) {
    const line = buffer.slice(consumed, index).replace(/\r$/, '');
    consumed = index + 1;
    const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
    if (!m) throw new Error(`the SMTP server sent a malformed reply line: ${JSON.stringify(line.slice(0, 200))}`);
    lines.push(m[3]!);
    if (m[2] !== '-') {
      replies.push({ code: Number(m[1]), lines });
      lines = [];
      replyStart = consumed;
    }
  }
  // An unfinished multi-line reply stays in the buffer whole, to be parsed again with the rest.
  return { replies, rest: buffer.slice(replyStart) };
}

/** The EHLO keywords the server offers, upper case (`STARTTLS`, `AUTH PLAIN LOGIN`, `SIZE 1000`…). */
export function ehloExtensions(reply: SmtpReply): Map<string, string> {
  const extensions = new Map<string, string>();
  for (const line of reply.lines.slice(1)) {
    const [keyword = '', ...params] = line.trim().split(/\s+/);
    if (keyword) extensions.set(keyword.toUpperCase(), params.join(' ').toUpperCase());
  }
  return extensions;
}

/** Message data for DATA: CRLF line ends, a dot doubled at the start of any line, the ending `.` line added. */
export function dotStuff(raw: string): string {
  const body = raw.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  return `${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`;
}

const base64 = (text: string) => bytesToBase64(new TextEncoder().encode(text));

/** AUTH PLAIN's initial response (RFC 4616): base64 of NUL user NUL password. */
export function authPlain(username: string, password: string): string {
  return base64(`\u0000${username}\u0000${password}`);
}

/** AUTH LOGIN's two answers, each base64. */
export function authLogin(username: string, password: string): [string, string] {
  return [base64(username), base64(password)];
}

/** Which AUTH mechanism to use: PLAIN when offered, else LOGIN, else none the client knows. */
export function chooseAuth(extensions: Map<string, string>): 'PLAIN' | 'LOGIN' | null {
  const offered = (extensions.get('AUTH') ?? '').split(/\s+/);
  if (offered.includes('PLAIN')) return 'PLAIN';
  if (offered.includes('LOGIN')) return 'LOGIN';
  return null;
}

/** A command line; refuses CR/LF so no value can smuggle another command. */
export function commandLine(command: string): string {
  if (/[\r\n]/.test(command)) throw new Error('SMTP command contains a line break');
  return `${command}\r\n`;
}
