// Reads an AuthnRequest (SAML Core §3.4.1) into what the SSO service acts on. Pure: the XML text
// in, the request or the reason it is refused out. Which app it names, whether its ACS URL is
// registered and whether its signature holds are decided by the caller (./sso.ts).
import { NAME_ID_FORMATS, type NameIdFormat } from '../apps/saml';
import { acsIndex as acsIndexOf, HTTP_POST } from './sp-metadata';
import { attr, NS, onlyChild, parseRoot, reading, textOf, type XmlElement } from './xml';
import { MAX_MESSAGE_BYTES } from './bindings';

/** How far an IssueInstant may be from our clock: SPs' clocks drift, but a request is used at once. */
export const ISSUE_INSTANT_SKEW_SECONDS = 5 * 60;
const MAX_ID_LENGTH = 256;

export interface AuthnRequest {
  /** The request's ID: the InResponseTo of our answer. */
  id: string;
  issuer: string;
  /** AssertionConsumerServiceURL, as the request spells it (matched against the registered ones). */
  acsUrl?: string;
  /** AssertionConsumerServiceIndex: the ACS the SP's metadata registered under this index. */
  acsIndex?: number;
  /** The NameID format asked for in NameIDPolicy, when it is one edge-sso knows. */
  nameIdFormat?: NameIdFormat;
  forceAuthn: boolean;
  isPassive: boolean;
  /** The Destination attribute, when given (it must be our SSO URL). */
  destination?: string;
  /** The root element, for the caller that verifies an enveloped signature (HTTP-POST binding). */
  element: XmlElement;
}

export type ParsedRequest = { ok: true; request: AuthnRequest } | { ok: false; reason: string };

const bool = (value: string | undefined) => value === 'true' || value === '1';

function parse(root: XmlElement, now: number): ParsedRequest {
  if (root.namespaceURI !== NS.samlp || root.localName !== 'AuthnRequest') return { ok: false, reason: 'The SAML message is not an AuthnRequest.' };
  if (attr(root, 'Version') !== '2.0') return { ok: false, reason: 'The AuthnRequest is not SAML 2.0 (Version="2.0").' };
  const id = attr(root, 'ID');
  if (!id || id.length > MAX_ID_LENGTH || !/^[A-Za-z_][\w.-]*$/.test(id)) return { ok: false, reason: 'The AuthnRequest has no valid ID.' };
  const instant = Date.parse(attr(root, 'IssueInstant') ?? '');
  if (Number.isNaN(instant)) return { ok: false, reason: 'The AuthnRequest has no valid IssueInstant.' };
  if (Math.abs(instant / 1000 - now) > ISSUE_INSTANT_SKEW_SECONDS) {
    return { ok: false, reason: 'The AuthnRequest was issued too long ago (or in the future): start the sign-in at the application again, and check its clock.' };
  }
  const issuerElement = onlyChild(root, NS.saml, 'Issuer');
  const issuer = issuerElement ? textOf(issuerElement).trim() : '';
  if (!issuer) return { ok: false, reason: 'The AuthnRequest has no Issuer, so it names no application.' };
  const binding = attr(root, 'ProtocolBinding');
  if (binding !== undefined && binding !== HTTP_POST) return { ok: false, reason: 'The AuthnRequest asks for a response binding other than HTTP-POST, the only one edge-sso answers with.' };
  const policy = onlyChild(root, NS.samlp, 'NameIDPolicy');
  const format = policy ? attr(policy, 'Format') : undefined;
  const nameIdFormat = (Object.keys(NAME_ID_FORMATS) as NameIdFormat[]).find((name) => NAME_ID_FORMATS[name] === format);
  const acsUrl = attr(root, 'AssertionConsumerServiceURL');
  const indexText = attr(root, 'AssertionConsumerServiceIndex');
  const acsIndex = acsIndexOf(indexText);
  if (indexText !== undefined && acsIndex === undefined) return { ok: false, reason: 'The AuthnRequest’s AssertionConsumerServiceIndex is not a number from 0 to 65535.' };
  if (acsIndex !== undefined && acsUrl !== undefined) {
    return { ok: false, reason: 'The AuthnRequest gives both an AssertionConsumerServiceURL and an AssertionConsumerServiceIndex: they exclude each other (SAML Core §3.4.1).' };
  }
  const destination = attr(root, 'Destination');
  return {
    ok: true,
    request: {
      id,
      issuer,
      ...(acsUrl !== undefined ? { acsUrl } : {}),
      ...(acsIndex !== undefined ? { acsIndex } : {}),
      ...(nameIdFormat ? { nameIdFormat } : {}),
      forceAuthn: bool(attr(root, 'ForceAuthn')),
      isPassive: bool(attr(root, 'IsPassive')),
      ...(destination !== undefined ? { destination } : {}),
      element: root,
    },
  };
}

/** Parses the XML of an AuthnRequest (already decoded from its binding). `now` in Unix seconds. */
export function parseAuthnRequest(xml: string, now: number): ParsedRequest {
  const parsed = parseRoot(xml, MAX_MESSAGE_BYTES);
  if (!parsed.ok) return { ok: false, reason: `The SAML request is refused: ${parsed.reason}.` };
  const read = reading(() => parse(parsed.root, now));
  return 'refused' in read ? { ok: false, reason: `The SAML request is refused: ${read.refused}.` } : read;
}
