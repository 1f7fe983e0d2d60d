// SMTP submission over cloudflare:sockets: EHLO, STARTTLS (or TLS from the start on 465),
// AUTH PLAIN/LOGIN, MAIL FROM, RCPT TO, DATA. One connection per message; every read has a
// timeout, and every failure says which step failed and what the server answered.
//
// Why our own client and not the npm package `worker-mailer`? We read its source (GitHub
// zou-yu/worker-mailer, 1.1.x; npm's latest is 1.2.1, not installable here). It runs on the same
// `cloudflare:sockets`, but for this project it falls short where it matters:
// - STARTTLS is opportunistic: when a server does not offer it, AUTH goes out in plain text. We
//   refuse to send credentials without TLS to anything but loopback.
// - It writes text and HTML bodies raw: no dot-stuffing (a line "." ends the message early), no
//   Content-Transfer-Encoding, unencoded UTF-8 subjects and names. We build RFC-correct MIME with
//   mimetext (as the issue asks), and it cannot send a prebuilt message.
// - It imports node:crypto (needs the nodejs_compat flag), a closed connection makes its reader
//   spin until the timeout, and its reply timeout option is read from the wrong field.
// The dialogue we need is small, and its pure pieces (./smtp-protocol.ts) are tested directly.
import { connect } from 'cloudflare:sockets';
import type { BuiltMessage } from './message';
import { PermanentEmailError } from './retry';
import {
  authLogin,
  authPlain,
  chooseAuth,
  commandLine,
  dotStuff,
  ehloExtensions,
  parseReplies,
  type SmtpConfig,
  type SmtpReply,
} from './smtp-protocol';
import type { Transport } from './sender';

// A Worker may keep working about 30 s after its response (waitUntil): three attempts of at most
// 8 s and the pauses between them (./retry.ts) fit in that.
const CONNECT_TIMEOUT_MS = 5_000;
const REPLY_TIMEOUT_MS = 8_000;
const ATTEMPT_TIMEOUT_MS = 8_000;

/** A failed step: 5xx answers are permanent (retrying cannot help), the rest may be retried. */
function stepError(step: string, reply: SmtpReply): Error {
  const text = `${step}: the SMTP server answered ${reply.code} ${reply.lines.join(' ').slice(0, 300)}`;
  return reply.code >= 500 ? new PermanentEmailError(text) : new Error(text);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One SMTP conversation over a socket: write commands, read whole replies. */
class Conversation {
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private writer: WritableStreamDefaultWriter<Uint8Array>;
  private decoder = new TextDecoder();
  private buffer = '';
  private pending: SmtpReply[] = [];

  constructor(private socket: Socket) {
    this.reader = socket.readable.getReader();
    this.writer = socket.writable.getWriter();
  }

  async read(step: string): Promise<SmtpReply> {
    while (this.pending.length === 0) {
      const { value, done } = await withTimeout(this.reader.read(), REPLY_TIMEOUT_MS, step);
      if (done) throw new Error(`${step}: the SMTP server closed the connection`);
      const parsed = parseReplies(this.buffer + this.decoder.decode(value, { stream: true }));
      this.pending.push(...parsed.replies);
      this.buffer = parsed.rest;
      if (this.buffer.length > 64 * 1024) throw new Error(`${step}: the SMTP server's reply is too long`);
    }
    return this.pending.shift()!;
  }

  async write(data: string): Promise<void> {
    await this.writer.write(new TextEncoder().encode(data));
  }

  /** Sends a command and expects one of `ok` codes. */
  async command(line: string, ok: number[], step: string): Promise<SmtpReply> {
    await this.write(commandLine(line));
    const reply = await this.read(step);
    if (!ok.includes(reply.code)) throw stepError(step, reply);
    return reply;
  }

  /** Hands the socket over (for STARTTLS): releases the stream locks. */
  release(): Socket {
    this.reader.releaseLock();
    this.writer.releaseLock();
    return this.socket;
  }

  async close(): Promise<void> {
    try {
      await this.socket.close();
    } catch {
      // already closed
    }
  }
}

async function ehlo(conversation: Conversation, clientName: string): Promise<Map<string, string>> {
  return ehloExtensions(await conversation.command(`EHLO ${clientName}`, [250], 'EHLO'));
}

/** Sends one message over a new connection, then QUITs. */
export async function sendOverSmtp(config: SmtpConfig, message: BuiltMessage, clientName: string): Promise<void> {
  const socket = connect(
    { hostname: config.host, port: config.port },
    { secureTransport: config.security === 'tls' ? 'on' : 'starttls', allowHalfOpen: false },
  );
  let conversation = new Conversation(socket);
  try {
    await withTimeout(socket.opened, CONNECT_TIMEOUT_MS, `connecting to ${config.host}:${config.port}`).catch((error: Error) => {
      throw new Error(`cannot connect to the SMTP server ${config.host}:${config.port}: ${error.message}`);
    });
    const greeting = await conversation.read('greeting');
    if (greeting.code !== 220) throw stepError('greeting', greeting);
    let extensions = await ehlo(conversation, clientName);

    if (config.security === 'starttls' || (config.security === 'loopback' && extensions.has('STARTTLS'))) {
      if (!extensions.has('STARTTLS')) {
        throw new PermanentEmailError(`${config.host}:${config.port} does not offer STARTTLS; use smtps:// (port 465) or a relay that supports STARTTLS`);
      }
      await conversation.command('STARTTLS', [220], 'STARTTLS');
      conversation = new Conversation(conversation.release().startTls());
      extensions = await ehlo(conversation, clientName);
    }

    if (config.username) {
      const mechanism = chooseAuth(extensions);
      if (!mechanism) throw new PermanentEmailError(`the SMTP server offers no AUTH PLAIN or LOGIN (it offers: ${extensions.get('AUTH') || 'no AUTH'})`);
      if (mechanism === 'PLAIN') {
        await conversation.command(`AUTH PLAIN ${authPlain(config.username, config.password)}`, [235], 'AUTH PLAIN');
      } else {
        const [user, pass] = authLogin(config.username, config.password);
        await conversation.command('AUTH LOGIN', [334], 'AUTH LOGIN');
        await conversation.command(user, [334], 'AUTH LOGIN (user name)');
        await conversation.command(pass, [235], 'AUTH LOGIN (password)');
      }
    }

    await conversation.command(`MAIL FROM:<${message.from.address}>`, [250], 'MAIL FROM');
    await conversation.command(`RCPT TO:<${message.to}>`, [250, 251], 'RCPT TO');
    await conversation.command('DATA', [354], 'DATA');
    await conversation.write(dotStuff(message.raw));
    const accepted = await conversation.read('end of DATA');
    if (accepted.code !== 250) throw stepError('end of DATA', accepted);
    await conversation.write(commandLine('QUIT'));
  } finally {
    await conversation.close();
  }
}

/** The EHLO name: the issuer's host, which the Message-ID already carries. */
const ehloName = (message: BuiltMessage) => /@([^>]+)>$/.exec(message.messageId)?.[1] ?? 'localhost';

export function smtpTransport(config: SmtpConfig): Transport {
  return {
    name: 'smtp',
    send: (message) => withTimeout(sendOverSmtp(config, message, ehloName(message)), ATTEMPT_TIMEOUT_MS, `sending through ${config.host}:${config.port}`),
  };
}
