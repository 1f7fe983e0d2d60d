// A hostile directory cannot hold a sign-in: the whole conversation (connect, binds, searches)
// has one deadline, a search stops reading at its size limit plus one entry, and what a
// connection reads is capped. The directory here is a fake socket handed to the client through
// its `connect` option (workerd tests cannot listen on a port; test/e2e/ldap.test.ts does the same
// against real TCP servers): it answers each request the way the test scripts it, and counts what
// the client actually pulled from it.
import { describe, expect, it } from 'vitest';
import { children, concat, enumerated, integer, octets, readElement, sequence, TAG, decodeInteger } from '../../src/federation/ldap/ber';
import { checkDirectoryPassword, directorySettings, lookupDirectoryUser, type DirectorySettings } from '../../src/federation/ldap/directory';
import { MAX_CONNECTION_BYTES } from '../../src/federation/ldap/inbox';
import { OP } from '../../src/federation/ldap/messages';
import { parseNewSource } from '../../src/federation/input';

const bindResponse = (id: number, code = 0) => sequence([integer(id), sequence([enumerated(code), octets(''), octets('')], OP.bindResponse)]);
const searchDone = (id: number, code = 0) => sequence([integer(id), sequence([enumerated(code), octets(''), octets('')], OP.searchResultDone)]);
const entry = (id: number, dn: string, attributes: Record<string, string> = {}) =>
  sequence([
    integer(id),
    sequence([octets(dn), sequence(Object.entries(attributes).map(([k, v]) => sequence([octets(k), sequence([octets(v)], TAG.set)])))], OP.searchResultEntry),
  ]);

/** A request the client sent: its message id, operation tag, and for a search its size limit. */
interface Request {
  id: number;
  op: number;
  sizeLimit?: number;
}

function decodeRequest(bytes: Uint8Array): Request {
  const [id, op] = children(readElement(bytes)!.contents);
  const request: Request = { id: decodeInteger(id!.contents), op: op!.tag };
  if (op!.tag === OP.searchRequest) request.sizeLimit = decodeInteger(children(op!.contents)[3]!.contents);
  return request;
}

/** What the fake answers to one request: chunks pulled one at a time as the client reads (an iterator may never end). */
type Script = (request: Request) => Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

interface Fake {
  connect: never;
  requests: Request[];
  /** Chunks and bytes the client pulled (each chunk is pulled only when the client reads). */
  pulled: { chunks: number; bytes: number };
  closed: () => boolean;
}

function fakeDirectory(script: Script): Fake {
  const requests: Request[] = [];
  const pulled = { chunks: 0, bytes: 0 };
  let closed = false;
  const queue: (Iterator<Uint8Array> | AsyncIterator<Uint8Array>)[] = [];
  let wake: (() => void) | null = null;
  const connect = () => {
    const readable = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          for (;;) {
            if (closed) return controller.close();
            const current = queue[0];
            if (!current) {
              await new Promise<void>((resolve) => (wake = resolve));
              continue;
            }
            const next = await current.next();
            if (next.done) {
              queue.shift();
              continue;
            }
            pulled.chunks++;
            pulled.bytes += next.value.length;
            return controller.enqueue(next.value);
          }
        },
        cancel() {
          closed = true;
        },
      },
      { highWaterMark: 0 },
    );
    const writable = new WritableStream<Uint8Array>({
      write(bytes) {
        const request = decodeRequest(bytes);
        requests.push(request);
        if (request.op === OP.unbindRequest) return;
        const answer = script(request);
        queue.push(Symbol.asyncIterator in answer ? answer[Symbol.asyncIterator]() : answer[Symbol.iterator]());
        wake?.();
      },
    });
    return {
      opened: Promise.resolve({}),
      closed: new Promise(() => undefined),
      readable,
      writable,
      close: async () => {
        closed = true;
        wake?.();
      },
      startTls: () => {
        throw new Error('not used');
      },
    };
  };
  return { connect: connect as never, requests, pulled, closed: () => closed };
}

function settingsWith(extra: Record<string, unknown> = {}): DirectorySettings {
  const input = parseNewSource({ type: 'ldap', url: 'ldap://127.0.0.1:3389', bind_dn: 'cn=svc,dc=x', bind_password: 'svc', user_base_dn: 'ou=people,dc=x', timeout_ms: 1000, ...extra });
  const { secrets, slug, ...rest } = input;
  const settings = directorySettings({ ...rest, slug: slug ?? 'dir', secrets_set: Object.keys(secrets), created_at: 0, updated_at: 0 }, secrets);
  if (typeof settings === 'string') throw new Error(settings);
  return settings;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function* endlessEntries(id: number, prefix: string) {
  for (let n = 0; ; n++) yield entry(id, `uid=${prefix}${n},ou=people,dc=x`, { uid: `${prefix}${n}`, cn: `${prefix}${n}` });
}

describe('a hostile directory', () => {
  it('endless entries for a login: the search asks for 1, reads 2 and stops; the login is refused as ambiguous, no password sent', async () => {
    const fake = fakeDirectory((r) => (r.op === OP.bindRequest ? [bindResponse(r.id)] : endlessEntries(r.id, 'u')));
    const result = await checkDirectoryPassword(settingsWith(), 'alice', 'pw', { connect: fake.connect });
    expect(result).toEqual({ kind: 'refused', reason: 'ambiguous' });
    const search = fake.requests.find((r) => r.op === OP.searchRequest)!;
    expect(search.sizeLimit).toBe(1);
    // The service bind's answer, then exactly sizeLimit + 1 entries.
    expect(fake.pulled.chunks).toBe(1 + 2);
    // Only the service account was bound: the typed password never went out.
    expect(fake.requests.filter((r) => r.op === OP.bindRequest)).toHaveLength(1);
    expect(fake.closed()).toBe(true);
  });

  it('a login that matches two entries (a directory that honours the size limit) is ambiguous too', async () => {
    const fake = fakeDirectory((r) => (r.op === OP.bindRequest ? [bindResponse(r.id)] : [entry(r.id, 'uid=a,dc=x'), searchDone(r.id, 4)]));
    expect(await checkDirectoryPassword(settingsWith(), 'a', 'pw', { connect: fake.connect })).toEqual({ kind: 'refused', reason: 'ambiguous' });
    expect((await lookupDirectoryUser(settingsWith(), 'a', { connect: fakeDirectory((r) => (r.op === OP.bindRequest ? [bindResponse(r.id)] : [entry(r.id, 'uid=a,dc=x'), searchDone(r.id, 4)])).connect })).kind).toBe('not_found');
  });

  it('endless groups: the group search asks for 500, reads 501 and stops; the sign-in keeps the first 500', async () => {
    const fake = fakeDirectory((r) => {
      if (r.op === OP.bindRequest) return [bindResponse(r.id)];
      // The first search finds the user; the second (the group search) never ends.
      return r.sizeLimit === 1 ? [entry(r.id, 'uid=alice,ou=people,dc=x', { uid: 'alice', mail: 'alice@x.test' }), searchDone(r.id)] : endlessEntries(r.id, 'g');
    });
    const result = await checkDirectoryPassword(settingsWith({ group_base_dn: 'ou=groups,dc=x' }), 'alice', 'pw', { connect: fake.connect });
    if (result.kind !== 'ok') throw new Error(JSON.stringify(result));
    expect(result.profile.groups).toHaveLength(500);
    const groupSearch = fake.requests.filter((r) => r.op === OP.searchRequest)[1]!;
    expect(groupSearch.sizeLimit).toBe(500);
    // Service bind, user entry, search done, user bind, service bind again, then 500 + 1 group entries.
    expect(fake.pulled.chunks).toBe(5 + 501);
  });

  it('answers sent byte by byte, slowly and without end: the sign-in ends at its deadline, having read a handful of bytes', async () => {
    async function* trickle(bytes: Uint8Array) {
      for (const byte of bytes) {
        await sleep(20);
        yield Uint8Array.of(byte);
      }
    }
    // Each byte arrives well within the timeout; the message announced (900 KB) would take hours at this pace.
    const endless = Uint8Array.of(0x30, 0x83, 0x0d, 0xbb, 0xa0, ...new Uint8Array(100_000));
    const fake = fakeDirectory((r) => (r.op === OP.bindRequest ? trickle(bindResponse(r.id)) : trickle(endless)));
    const started = Date.now();
    const result = await checkDirectoryPassword(settingsWith({ timeout_ms: 1000 }), 'alice', 'pw', { connect: fake.connect });
    expect(result.kind).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(5000);
    // One deadline for the whole sign-in (at 20 ms a byte: about 50 bytes, the bind answer included).
    expect(fake.pulled.bytes).toBeLessThan(80);
    expect(fake.closed()).toBe(true);
  });

  it('one deadline, not one per step: each answer within the timeout, the steps together past it', async () => {
    async function* late(message: Uint8Array) {
      await sleep(400);
      yield message;
    }
    const fake = fakeDirectory((r) =>
      r.op === OP.bindRequest ? late(bindResponse(r.id)) : late(concat([entry(r.id, 'uid=alice,dc=x', { uid: 'alice' }), searchDone(r.id)])),
    );
    // Service bind (400 ms), search (400 ms), user bind (400 ms): 1.2 s of answers for a 1 s deadline.
    const result = await checkDirectoryPassword(settingsWith({ timeout_ms: 1000 }), 'alice', 'pw', { connect: fake.connect });
    expect(result.kind).toBe('unavailable');
    // The user's bind was sent but its answer never read.
    expect(fake.requests.filter((r) => r.op === OP.bindRequest)).toHaveLength(2);
  });

  it('a huge length is refused at the header, before its body is read', async () => {
    function* huge() {
      yield Uint8Array.of(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff);
      for (;;) yield new Uint8Array(64 * 1024);
    }
    const fake = fakeDirectory((r) => (r.op === OP.bindRequest ? [bindResponse(r.id)] : huge()));
    const result = await checkDirectoryPassword(settingsWith(), 'alice', 'pw', { connect: fake.connect });
    expect(result.kind).toBe('unavailable');
    expect(fake.pulled.chunks).toBe(2);
  });

  it('answers for another operation without end: skipped, but the connection reads at most its byte cap', async () => {
    function* others() {
      const filler = 'x'.repeat(60 * 1024);
      for (;;) yield entry(99, 'uid=other,dc=x', { description: filler });
    }
    const fake = fakeDirectory((r) => (r.op === OP.bindRequest ? [bindResponse(r.id)] : others()));
    const result = await checkDirectoryPassword(settingsWith({ timeout_ms: 30_000 }), 'alice', 'pw', { connect: fake.connect });
    expect(result.kind).toBe('unavailable');
    expect(JSON.stringify(result)).toMatch(/more than \d+ bytes/);
    expect(fake.pulled.bytes).toBeLessThanOrEqual(MAX_CONNECTION_BYTES + 64 * 1024);
  });
});
