// A small LDAP v3 client over `connect()` from cloudflare:sockets: simple bind, search, StartTLS
// and unbind, one operation at a time. A connection has one deadline for everything it does
// (connect, StartTLS, every bind and search): a directory that keeps talking, slowly or without
// end, cannot hold a sign-in past it. A search stops reading after its size limit plus one entry,
// and what a connection may read is capped (./inbox.ts). Every failure is an LdapError saying what
// went wrong, never a password.
import { connect } from 'cloudflare:sockets';
import { BerError } from './ber';
import { Inbox } from './inbox';
import { bindRequest, OP, RESULT, searchRequest, startTlsRequest, unbindRequest, type LdapResult, type Response, type SearchEntry, type SearchOptions } from './messages';
import type { DirectoryAddress } from './url';

export type LdapErrorCode =
  /** The directory could not be reached: connection refused, TLS failed, or the conversation outlasted its deadline. */
  | 'unreachable'
  /** The directory answered something that is not LDAP, or an operation failed (`result` says how). */
  | 'protocol'
  | 'result';

export class LdapError extends Error {
  constructor(
    readonly code: LdapErrorCode,
    message: string,
    readonly result?: LdapResult,
  ) {
    super(message);
    this.name = 'LdapError';
  }
}

type Connect = typeof connect;

export interface ConnectOptions {
  /** When everything this connection does must be over (epoch milliseconds). */
  deadline: number;
  connect?: Connect;
}

/** `promise`, or an LdapError once `deadline` (epoch ms) has passed. */
function beforeDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  const left = deadline - Date.now();
  if (left <= 0) return Promise.reject(new LdapError('unreachable', `${what}: the directory's time is up`));
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LdapError('unreachable', `${what}: the directory's time is up`)), left);
  });
  return Promise.race([promise, timeout]).finally(() => timer && clearTimeout(timer));
}

/** What a search read: the entries (at most its size limit), and whether the directory had more. */
export interface SearchResult {
  entries: SearchEntry[];
  /** The directory said sizeLimitExceeded, or sent more entries than the size limit (reading stopped there). */
  exceeded: boolean;
}

export class LdapConnection {
  private inbox = new Inbox();
  private nextId = 1;
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private writer: WritableStreamDefaultWriter<Uint8Array>;
  private closed = false;
  /** Set when a search stopped reading mid-answer: the rest of that answer is unread, so nothing more can be asked. */
  private abandoned = false;

  private constructor(
    private socket: Socket,
    readonly deadline: number,
  ) {
    this.reader = socket.readable.getReader();
    this.writer = socket.writable.getWriter();
  }

  /** Opens a connection (and negotiates TLS) to the directory. */
  static async open(address: DirectoryAddress, options: ConnectOptions): Promise<LdapConnection> {
    const open = options.connect ?? connect;
    const where = `${address.hostname}:${address.port}`;
    let socket: Socket | undefined;
    try {
      socket = open(
        { hostname: address.hostname, port: address.port },
        { secureTransport: address.transport === 'ldaps' ? 'on' : address.transport === 'starttls' ? 'starttls' : 'off', allowHalfOpen: false },
      );
      await beforeDeadline(socket.opened, options.deadline, `connecting to ${where}`);
    } catch (error) {
      socket?.close().catch(() => undefined);
      throw error instanceof LdapError ? error : new LdapError('unreachable', `cannot connect to ${where}: ${(error as Error).message}`);
    }
    const connection = new LdapConnection(socket, options.deadline);
    if (address.transport === 'starttls') {
      try {
        await connection.startTls(address.hostname);
      } catch (error) {
        await connection.close();
        throw error;
      }
    }
    return connection;
  }

  /** StartTLS (RFC 4511 §4.14): the extended operation, then TLS on the same socket. */
  private async startTls(hostname: string): Promise<void> {
    const id = this.nextId++;
    await this.write(startTlsRequest(id));
    const response = await this.read(id, 'StartTLS');
    if (response.kind !== 'result' || response.op !== OP.extendedResponse) throw new LdapError('protocol', 'StartTLS: unexpected answer');
    if (response.result.code !== RESULT.success) {
      throw new LdapError('result', `StartTLS refused by the directory (result ${response.result.code}${response.result.diagnostic ? `: ${response.result.diagnostic}` : ''})`, response.result);
    }
    if (this.inbox.buffered) throw new LdapError('protocol', 'StartTLS: the directory sent data before the TLS handshake');
    this.reader.releaseLock();
    this.writer.releaseLock();
    try {
      this.socket = this.socket.startTls({ expectedServerHostname: hostname });
      await beforeDeadline(this.socket.opened, this.deadline, 'TLS handshake');
    } catch (error) {
      throw error instanceof LdapError ? error : new LdapError('unreachable', `TLS handshake failed: ${(error as Error).message}`);
    }
    this.reader = this.socket.readable.getReader();
    this.writer = this.socket.writable.getWriter();
  }

  /** Simple bind; resolves with the result (invalidCredentials is an answer, not an error). */
  async bind(dn: string, password: string): Promise<LdapResult> {
    if (password === '') throw new LdapError('protocol', 'refusing a bind with an empty password (an unauthenticated bind)');
    const id = this.nextId++;
    await this.write(bindRequest(id, dn, password));
    const response = await this.read(id, 'bind');
    if (response.kind !== 'result' || response.op !== OP.bindResponse) throw new LdapError('protocol', 'bind: unexpected answer');
    return response.result;
  }

  /**
   * Searches, asking the directory for at most `sizeLimit` entries and, whatever it does, reading at
   * most one more: then reading stops (the connection can ask nothing more) and `exceeded` is set.
   * A sizeLimitExceeded result keeps the entries received. The request's time limit is what is left
   * of the deadline.
   */
  async search(options: Omit<SearchOptions, 'timeLimitSeconds'>): Promise<SearchResult> {
    const id = this.nextId++;
    const timeLimitSeconds = Math.max(1, Math.ceil((this.deadline - Date.now()) / 1000));
    await this.write(searchRequest(id, { ...options, timeLimitSeconds }));
    const entries: SearchEntry[] = [];
    for (;;) {
      const response = await this.read(id, 'search');
      if (response.kind === 'entry') {
        if (entries.length === options.sizeLimit) {
          this.abandoned = true;
          return { entries, exceeded: true };
        }
        entries.push(response.entry);
        continue;
      }
      if (response.kind === 'reference') continue;
      if (response.kind !== 'result' || response.op !== OP.searchResultDone) throw new LdapError('protocol', 'search: unexpected answer');
      const { code, diagnostic } = response.result;
      if (code !== RESULT.success && code !== RESULT.sizeLimitExceeded) {
        throw new LdapError('result', `search failed (result ${code}${diagnostic ? `: ${diagnostic}` : ''})`, response.result);
      }
      return { entries, exceeded: code === RESULT.sizeLimitExceeded };
    }
  }

  /** Unbind and close; never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A polite unbind if there is time left (and never more than a second of it); then the socket goes.
    if (!this.abandoned) await beforeDeadline(this.writer.write(unbindRequest(this.nextId++)), Math.min(this.deadline, Date.now() + 1000), 'unbind').catch(() => undefined);
    this.reader.cancel().catch(() => undefined);
    await beforeDeadline(this.socket.close(), Date.now() + 1000, 'closing').catch(() => undefined);
  }

  private async write(bytes: Uint8Array): Promise<void> {
    if (this.abandoned) throw new LdapError('protocol', 'the connection was left mid-answer');
    try {
      await beforeDeadline(this.writer.write(bytes), this.deadline, 'sending to the directory');
    } catch (error) {
      throw error instanceof LdapError ? error : new LdapError('unreachable', `the directory closed the connection: ${(error as Error).message}`);
    }
  }

  /** The next message for `id`; unsolicited notifications (id 0, e.g. notice of disconnection) end the connection. */
  /**
   * The next message for `id`; unsolicited notifications (id 0, e.g. notice of disconnection) end
   * the connection. Messages for other ids (answers to abandoned operations) are skipped: the
   * deadline and the inbox's byte cap bound how many.
   */
  private async read(id: number, what: string): Promise<Response> {
    for (;;) {
      let response;
      try {
        response = this.inbox.next();
      } catch (error) {
        if (error instanceof BerError) throw new LdapError('protocol', `${what}: the directory sent something that is not LDAP (${error.message})`);
        throw error;
      }
      if (response) {
        if (response.id === 0) throw new LdapError('unreachable', `${what}: the directory ended the connection`);
        if (response.id !== id) continue;
        return response;
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await beforeDeadline(this.reader.read(), this.deadline, what);
      } catch (error) {
        throw error instanceof LdapError ? error : new LdapError('unreachable', `${what}: ${(error as Error).message}`);
      }
      if (chunk.done) throw new LdapError('unreachable', `${what}: the directory closed the connection`);
      try {
        this.inbox.append(chunk.value);
      } catch (error) {
        if (error instanceof BerError) throw new LdapError('protocol', `${what}: ${error.message}`);
        throw error;
      }
    }
  }
}
