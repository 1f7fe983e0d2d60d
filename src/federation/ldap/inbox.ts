// What a directory has sent and the client has not read yet, framed into LDAP messages. Pure, no
// I/O. A hostile directory decides how its bytes arrive (one at a time, or an endless stream), so
// the buffer grows by doubling (appending a byte never copies what came before), a message whose
// header announces more than MAX_MESSAGE_BYTES is refused before its body arrives, and a
// connection reads at most MAX_CONNECTION_BYTES in all.
import { BerError, readElement } from './ber';
import { decodeMessage, type Response } from './messages';

/** The largest single LDAP message accepted: an entry with every attribute a sign-in asks for is far smaller. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** The most a connection reads over its life: a sign-in's binds, its two searches and their entries. */
export const MAX_CONNECTION_BYTES = 8 * 1024 * 1024;

/** The whole length (header and contents) of the BER element at the start of `bytes`, or null until its header is complete. */
function frameLength(bytes: Uint8Array): number | null {
  if (bytes.length < 2) return null;
  if ((bytes[0]! & 0x1f) === 0x1f) throw new BerError('multi-byte tags are not used by LDAP');
  const first = bytes[1]!;
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0) throw new BerError('indefinite lengths are not allowed in LDAP');
  if (count > 4) throw new BerError('message too long');
  if (bytes.length < 2 + count) return null;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + bytes[2 + i]!;
  const total = 2 + count + length;
  if (total > MAX_MESSAGE_BYTES) throw new BerError(`message too long (${length} bytes announced)`);
  return total;
}

export class Inbox {
  private bytes = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  /** Every byte received so far, read or not. */
  received = 0;

  get buffered(): number {
    return this.end - this.start;
  }

  /** Adds what the socket delivered. Throws a BerError once the connection has sent more than MAX_CONNECTION_BYTES. */
  append(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.received > MAX_CONNECTION_BYTES) throw new BerError(`the directory sent more than ${MAX_CONNECTION_BYTES} bytes`);
    if (this.end + chunk.length > this.bytes.length) {
      const needed = this.buffered + chunk.length;
      let capacity = this.bytes.length;
      while (capacity < needed) capacity *= 2;
      if (capacity === this.bytes.length) this.bytes.copyWithin(0, this.start, this.end);
      else {
        const next = new Uint8Array(capacity);
        next.set(this.bytes.subarray(this.start, this.end));
        this.bytes = next;
      }
      this.end = this.buffered;
      this.start = 0;
    }
    this.bytes.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The next complete message, or null until all of it has arrived. Throws a BerError for anything that is not LDAP. */
  next(): Response | null {
    const view = this.bytes.subarray(this.start, this.end);
    const length = frameLength(view);
    if (length === null || length > view.length) return null;
    // Decoding copies what it keeps (strings, attribute values), so the buffer may be reused after this.
    const response = decodeMessage(readElement(view)!);
    this.start += length;
    if (this.start === this.end) this.start = this.end = 0;
    return response;
  }
}
