// A small LDAP v3 client over `connect()` from cloudflare:sockets: simple bind, search, StartTLS
// and unbind, one operation at a time. Every read has a deadline (`timeoutMs`); every failure is
// an LdapError saying what went wrong, never a password.
import { connect } from 'cloudflare:sockets';
import { BerError, concat } from './ber';
import { bindRequest, OP, readMessage, RESULT, searchRequest, startTlsRequest, unbindRequest, type LdapResult, type Response, type SearchEntry, type SearchOptions } from './messages';
import type { DirectoryAddress } from './url';

export type LdapErrorCode =
  /** The directory could not be reached: connection refused, TLS failed, or it took longer than the timeout. */
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
  timeoutMs: number;
  connect?: Connect;
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LdapError('unreachable', `${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => timer && clearTimeout(timer));
}

export class LdapConnection {
  private buffer: Uint8Array = new Uint8Array();
  private nextId = 1;
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private writer: WritableStreamDefaultWriter<Uint8Array>;
  private closed = false;

  private constructor(
    private socket: Socket,
    private readonly timeoutMs: number,
  ) {
    this.reader = socket.readable.getReader();
    this.writer = socket.writable.getWriter();
  }

  /** Opens a connection (and negotiates TLS) to the directory. */
  static async open(address: DirectoryAddress, options: ConnectOptions): Promise<LdapConnection> {
    const open = options.connect ?? connect;
    const where = `${address.hostname}:${address.port}`;
    let socket: Socket;
    try {
      socket = open(
        { hostname: address.hostname, port: address.port },
        { secureTransport: address.transport === 'ldaps' ? 'on' : address.transport === 'starttls' ? 'starttls' : 'off', allowHalfOpen: false },
      );
      await withDeadline(socket.opened, options.timeoutMs, `connecting to ${where}`);
    } catch (error) {
      throw error instanceof LdapError ? error : new LdapError('unreachable', `cannot connect to ${where}: ${(error as Error).message}`);
    }
    const connection = new LdapConnection(socket, options.timeoutMs);
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
    if (this.buffer.length) throw new LdapError('protocol', 'StartTLS: the directory sent data before the TLS handshake');
    this.reader.releaseLock();
    this.writer.releaseLock();
    try {
      this.socket = this.socket.startTls({ expectedServerHostname: hostname });
      await withDeadline(this.socket.opened, this.timeoutMs, 'TLS handshake');
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

  /** Searches; resolves with the entries, up to the size limit (a sizeLimitExceeded result keeps the entries received). */
  async search(options: SearchOptions): Promise<SearchEntry[]> {
    const id = this.nextId++;
    await this.write(searchRequest(id, options));
    const entries: SearchEntry[] = [];
    for (;;) {
      const response = await this.read(id, 'search');
      if (response.kind === 'entry') {
        if (entries.length < options.sizeLimit) entries.push(response.entry);
        continue;
      }
      if (response.kind === 'reference') continue;
      if (response.kind !== 'result' || response.op !== OP.searchResultDone) throw new LdapError('protocol', 'search: unexpected answer');
      const { code, diagnostic } = response.result;
      if (code !== RESULT.success && code !== RESULT.sizeLimitExceeded) {
        throw new LdapError('result', `search failed (result ${code}${diagnostic ? `: ${diagnostic}` : ''})`, response.result);
      }
      return entries;
    }
  }

  /** Unbind and close; never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await withDeadline(this.writer.write(unbindRequest(this.nextId++)), 1000, 'unbind');
    } catch {
      // The connection is going away either way.
    }
    try {
      await this.socket.close();
    } catch {
      // Already closed by the peer.
    }
  }

  private async write(bytes: Uint8Array): Promise<void> {
    try {
      await withDeadline(this.writer.write(bytes), this.timeoutMs, 'sending to the directory');
    } catch (error) {
      throw error instanceof LdapError ? error : new LdapError('unreachable', `the directory closed the connection: ${(error as Error).message}`);
    }
  }

  /** The next message for `id`; unsolicited notifications (id 0, e.g. notice of disconnection) end the connection. */
  private async read(id: number, what: string): Promise<Response> {
    for (;;) {
      let decoded;
      try {
        decoded = readMessage(this.buffer);
      } catch (error) {
        if (error instanceof BerError) throw new LdapError('protocol', `${what}: the directory sent something that is not LDAP (${error.message})`);
        throw error;
      }
      if (decoded) {
        this.buffer = this.buffer.slice(decoded.end);
        if (decoded.response.id === 0) throw new LdapError('unreachable', `${what}: the directory ended the connection`);
        if (decoded.response.id !== id) continue; // an answer to an abandoned operation
        return decoded.response;
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await withDeadline(this.reader.read(), this.timeoutMs, what);
      } catch (error) {
        throw error instanceof LdapError ? error : new LdapError('unreachable', `${what}: ${(error as Error).message}`);
      }
      if (chunk.done) throw new LdapError('unreachable', `${what}: the directory closed the connection`);
      this.buffer = concat([this.buffer, chunk.value]);
    }
  }
}
