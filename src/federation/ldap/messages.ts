// LDAP v3 messages (RFC 4511 §4) as pure functions: the requests edge-sso sends (bind, search,
// StartTLS, unbind) and the responses it reads (bind, search entries and done, extended).
import { APPLICATION, BerError, boolean, children, CONSTRUCTED, CONTEXT, decodeInteger, decodeString, enumerated, integer, octets, readElement, sequence, tlv, type Element } from './ber';
import { encodeFilter, type Filter } from './filter';

export const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
/** Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: `member:<oid>:=<dn>` follows nested groups. */
export const IN_CHAIN_OID = '1.2.840.113556.1.4.1941';

const app = (n: number, constructed = true) => APPLICATION | (constructed ? CONSTRUCTED : 0) | n;
export const OP = {
  bindRequest: app(0),
  bindResponse: app(1),
  unbindRequest: app(2, false),
  searchRequest: app(3),
  searchResultEntry: app(4),
  searchResultDone: app(5),
  searchResultReference: app(19),
  extendedRequest: app(23),
  extendedResponse: app(24),
} as const;

/** Result codes edge-sso acts on (RFC 4511 Appendix A). */
export const RESULT = { success: 0, sizeLimitExceeded: 4, invalidCredentials: 49, unwillingToPerform: 53 } as const;

const message = (id: number, op: Uint8Array) => sequence([integer(id), op]);

/** Simple bind (RFC 4511 §4.2). Callers refuse an empty password first: it is an unauthenticated bind that succeeds. */
export function bindRequest(id: number, dn: string, password: string): Uint8Array {
  return message(id, sequence([integer(3), octets(dn), octets(password, CONTEXT | 0)], OP.bindRequest));
}

export function unbindRequest(id: number): Uint8Array {
  return message(id, tlv(OP.unbindRequest, new Uint8Array()));
}

export function startTlsRequest(id: number): Uint8Array {
  return message(id, sequence([octets(STARTTLS_OID, CONTEXT | 0)], OP.extendedRequest));
}

export interface SearchOptions {
  base: string;
  /** 0 base object, 1 one level, 2 whole subtree. */
  scope: 0 | 1 | 2;
  filter: Filter;
  attributes: string[];
  sizeLimit: number;
  timeLimitSeconds: number;
}

export function searchRequest(id: number, options: SearchOptions): Uint8Array {
  return message(
    id,
    sequence(
      [
        octets(options.base),
        enumerated(options.scope),
        enumerated(0), // never dereference aliases
        integer(options.sizeLimit),
        integer(options.timeLimitSeconds),
        boolean(false),
        encodeFilter(options.filter),
        sequence(options.attributes.map((a) => octets(a))),
      ],
      OP.searchRequest,
    ),
  );
}

export interface LdapResult {
  code: number;
  matchedDn: string;
  diagnostic: string;
}

export interface SearchEntry {
  dn: string;
  /** Attribute values by attribute type as the server spelled it; binary values as UTF-8 text. */
  attributes: Map<string, Uint8Array[]>;
}

export type Response =
  | { id: number; kind: 'result'; op: number; result: LdapResult }
  | { id: number; kind: 'entry'; entry: SearchEntry }
  | { id: number; kind: 'reference' }
  | { id: number; kind: 'other'; op: number };

function readResult(items: Element[]): LdapResult {
  const [code, matched, diagnostic] = items;
  if (!code || code.tag !== 0x0a || !matched || !diagnostic) throw new BerError('invalid LDAPResult');
  return { code: decodeInteger(code.contents), matchedDn: decodeString(matched.contents), diagnostic: decodeString(diagnostic.contents) };
}

/** Decodes one complete LDAPMessage (its outer SEQUENCE). */
export function decodeMessage(element: Element): Response {
  if (element.tag !== 0x30) throw new BerError('an LDAP message must be a SEQUENCE');
  const [idElement, op] = children(element.contents);
  if (!idElement || idElement.tag !== 0x02 || !op) throw new BerError('invalid LDAP message');
  const id = decodeInteger(idElement.contents);
  switch (op.tag) {
    case OP.bindResponse:
    case OP.searchResultDone:
    case OP.extendedResponse:
      return { id, kind: 'result', op: op.tag, result: readResult(children(op.contents)) };
    case OP.searchResultEntry: {
      const [name, list] = children(op.contents);
      if (!name || !list) throw new BerError('invalid search entry');
      const attributes = new Map<string, Uint8Array[]>();
      for (const attribute of children(list.contents)) {
        const [type, values] = children(attribute.contents);
        if (!type || !values) throw new BerError('invalid attribute');
        attributes.set(decodeString(type.contents), children(values.contents).map((v) => v.contents.slice()));
      }
      return { id, kind: 'entry', entry: { dn: decodeString(name.contents), attributes } };
    }
    case OP.searchResultReference:
      return { id, kind: 'reference' };
    default:
      return { id, kind: 'other', op: op.tag };
  }
}

/** Decodes one message from the start of `bytes`, or null when more bytes are needed. */
export function readMessage(bytes: Uint8Array): { response: Response; end: number } | null {
  const element = readElement(bytes);
  return element ? { response: decodeMessage(element), end: element.end } : null;
}
