// Validation of a SAML Response posted to the ACS. Every step refuses with a reason (for the
// audit trail); nothing is read from the message except through the element whose signature
// was verified (or the assertion inside a verified Response, or decrypted from one):
//   - one Response root, Version 2.0, Destination = our ACS, Issuer = the IdP, status Success;
//   - exactly one assertion in the whole document (plain or encrypted), a direct child of the
//     Response: a second one anywhere (Extensions, a signature's Object, beside it) is refused;
//   - signature: a signed assertion, or a signed Response holding that one assertion, verified
//     with the IdP's metadata certificates only (src/lib/xml/verify.ts); a signature present
//     but failing is refused, never skipped;
//   - InResponseTo = the request this browser sent (or absent, for an allowed IdP-initiated one);
//   - bearer SubjectConfirmation with Recipient = ACS and NotOnOrAfter in the future;
//   - Conditions NotBefore/NotOnOrAfter with the skew, every AudienceRestriction naming us;
//   - IssueInstant no older than MAX_AGE_SECONDS (bounds how long the replay cache keeps IDs).
import {
  NS,
  childElements,
  decryptElement,
  descendants,
  onlyChild,
  parseXml,
  signatureOf,
  textOf,
  verifyEnvelopedSignature,
  XmlSecurityError,
  type XmlElement,
} from '../../lib/xml';
import { readAttributes } from './attributes';

export const SKEW_SECONDS = 180;
export const MAX_AGE_SECONDS = 600;
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

export interface ResponseExpectations {
  idpEntityId: string;
  certificates: readonly string[];
  spEntityId: string;
  acsUrl: string;
  /** The ID of the AuthnRequest this browser sent; undefined for an IdP-initiated response. */
  requestId?: string;
  allowSha1: boolean;
  /** The SP's RSA private key (PKCS#8) for EncryptedAssertion. */
  decryptionKey?: Uint8Array<ArrayBuffer>;
  now: number; // seconds
}

export interface ValidatedAssertion {
  assertionId: string;
  /** When the replay cache may forget the ID (seconds). */
  expiresAt: number;
  nameId: string;
  nameIdFormat: string;
  attributes: Record<string, string[]>;
  authnContext?: string;
}

/** A refusal: `reason` goes to the audit trail; `status` when the IdP answered with an error. */
export class SamlRefusal extends Error {
  constructor(readonly reason: string, readonly status?: string) {
    super(reason);
    this.name = 'SamlRefusal';
  }
}

const refuse = (reason: string): never => {
  throw new SamlRefusal(reason);
};

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function instant(el: XmlElement, name: string, required: true): number;
function instant(el: XmlElement, name: string, required: false): number | undefined;
function instant(el: XmlElement, name: string, required: boolean): number | undefined {
  const value = el.getAttribute(name);
  if (value === null || value === '') return required ? refuse(`${el.localName} has no ${name}`) : undefined;
  if (!DATE_TIME.test(value)) return refuse(`${el.localName} ${name} is not a UTC time`);
  const ms = Date.parse(value.replace(/(\.\d{3})\d+Z$/, '$1Z'));
  return Number.isNaN(ms) ? refuse(`${el.localName} ${name} is not a time`) : Math.floor(ms / 1000);
}

function issuerOf(el: XmlElement): string | undefined {
  const issuer = onlyChild(el, NS.saml, 'Issuer');
  return issuer ? textOf(issuer).trim() : undefined;
}

/** The assertion to read, established as signed by the IdP. */
async function trustedAssertion(response: XmlElement, x: ResponseExpectations): Promise<XmlElement> {
  const document = response.ownerDocument!;
  const plain = descendants(document.documentElement!, NS.saml, 'Assertion');
  const encrypted = descendants(document.documentElement!, NS.saml, 'EncryptedAssertion');
  if (plain.length + encrypted.length !== 1) refuse('the response must hold exactly one assertion');
  const container = plain[0] ?? encrypted[0]!;
  if (container.parentNode !== response) refuse('the assertion is not a direct child of the response');

  const verifyOptions = { certificates: x.certificates, allowSha1: x.allowSha1 };
  let responseVerified = false;
  if (signatureOf(response)) {
    await verifyEnvelopedSignature(response, verifyOptions);
    responseVerified = true;
  }
  let assertion = container;
  if (container.localName === 'EncryptedAssertion') {
    if (!x.decryptionKey) refuse('encrypted assertion but no SP key');
    assertion = await decryptElement(container, x.decryptionKey!);
    if (assertion.namespaceURI !== NS.saml || assertion.localName !== 'Assertion') refuse('the encrypted element is not an assertion');
    if (descendants(assertion, NS.saml, 'Assertion').length > 0 || descendants(assertion, NS.saml, 'EncryptedAssertion').length > 0) {
      refuse('the decrypted assertion holds another assertion');
    }
  }
  if (signatureOf(assertion)) return verifyEnvelopedSignature(assertion, verifyOptions);
  if (!responseVerified) refuse('neither the response nor the assertion is signed');
  return assertion;
}

/** Validates a decoded SAMLResponse; returns what the verified assertion says, or throws SamlRefusal. */
export async function validateResponse(xml: string, x: ResponseExpectations): Promise<ValidatedAssertion> {
  try {
    return await validate(xml, x);
  } catch (error) {
    if (error instanceof XmlSecurityError) throw new SamlRefusal(error.reason);
    throw error;
  }
}

async function validate(xml: string, x: ResponseExpectations): Promise<ValidatedAssertion> {
  const response = parseXml(xml).documentElement!;
  if (response.namespaceURI !== NS.samlp || response.localName !== 'Response') refuse('not a SAML Response');
  if (response.getAttribute('Version') !== '2.0') refuse('not SAML 2.0');
  if (response.getAttribute('Destination') !== x.acsUrl) refuse('Destination is not this ACS');
  const responseIssuer = issuerOf(response);
  if (responseIssuer !== undefined && responseIssuer !== x.idpEntityId) refuse('response Issuer is not the IdP');
  const responseTo = response.getAttribute('InResponseTo');
  if (x.requestId ? responseTo !== x.requestId : responseTo) refuse(x.requestId ? 'InResponseTo is not the request this browser sent' : 'unsolicited response with InResponseTo');

  const status = onlyChild(response, NS.samlp, 'Status') ?? refuse('no Status');
  const code = onlyChild(status, NS.samlp, 'StatusCode') ?? refuse('no StatusCode');
  if (code.getAttribute('Value') !== SUCCESS) {
    const second = onlyChild(code, NS.samlp, 'StatusCode')?.getAttribute('Value') ?? '';
    throw new SamlRefusal(`IdP status ${code.getAttribute('Value')} ${second}`.trim(), second || code.getAttribute('Value') || 'unknown');
  }

  const assertion = await trustedAssertion(response, x);
  // From here on, everything is read from `assertion` (verified, or inside the verified response).
  if (assertion.getAttribute('Version') !== '2.0') refuse('assertion is not SAML 2.0');
  const assertionId = assertion.getAttribute('ID') ?? '';
  if (!assertionId || assertionId.length > 256) refuse('assertion has no ID');
  if (issuerOf(assertion) !== x.idpEntityId) refuse('assertion Issuer is not the IdP');
  const issued = instant(assertion, 'IssueInstant', true);
  if (issued > x.now + SKEW_SECONDS) refuse('assertion issued in the future');
  if (issued < x.now - MAX_AGE_SECONDS - SKEW_SECONDS) refuse('assertion is too old');

  // Subject: one NameID (never transient: it would be a new account each time), a bearer confirmation for us.
  const subject = onlyChild(assertion, NS.saml, 'Subject') ?? refuse('no Subject');
  const nameIdEl = onlyChild(subject, NS.saml, 'NameID') ?? refuse('no NameID');
  const nameId = textOf(nameIdEl).trim();
  const nameIdFormat = nameIdEl.getAttribute('Format') ?? '';
  if (!nameId || nameId.length > 256) refuse('empty or overlong NameID');
  if (nameIdFormat === TRANSIENT) refuse('transient NameID cannot identify an account');
  let confirmedUntil: number | undefined;
  for (const confirmation of childElements(subject, NS.saml, 'SubjectConfirmation')) {
    if (confirmation.getAttribute('Method') !== BEARER) continue;
    const data = onlyChild(confirmation, NS.saml, 'SubjectConfirmationData');
    if (!data || data.getAttribute('Recipient') !== x.acsUrl) continue;
    const until = instant(data, 'NotOnOrAfter', true);
    if (until <= x.now - SKEW_SECONDS) continue;
    if (data.getAttribute('NotBefore')) continue; // forbidden for bearer confirmations
    const to = data.getAttribute('InResponseTo');
    if (x.requestId ? to !== x.requestId : to) continue;
    confirmedUntil = until;
    break;
  }
  if (confirmedUntil === undefined) refuse('no bearer SubjectConfirmation for this ACS, request and time');

  const conditions = onlyChild(assertion, NS.saml, 'Conditions') ?? refuse('no Conditions');
  const notBefore = instant(conditions, 'NotBefore', false);
  const notOnOrAfter = instant(conditions, 'NotOnOrAfter', false);
  if (notBefore !== undefined && notBefore > x.now + SKEW_SECONDS) refuse('assertion not yet valid');
  if (notOnOrAfter !== undefined && notOnOrAfter <= x.now - SKEW_SECONDS) refuse('assertion expired');
  const restrictions = childElements(conditions, NS.saml, 'AudienceRestriction');
  if (restrictions.length === 0) refuse('no AudienceRestriction');
  for (const restriction of restrictions) {
    const audiences = childElements(restriction, NS.saml, 'Audience').map((a) => textOf(a).trim());
    if (!audiences.includes(x.spEntityId)) refuse('Audience is not this SP');
  }

  const statement = childElements(assertion, NS.saml, 'AuthnStatement')[0] ?? refuse('no AuthnStatement');
  const sessionEnd = instant(statement, 'SessionNotOnOrAfter', false);
  if (sessionEnd !== undefined && sessionEnd <= x.now - SKEW_SECONDS) refuse('IdP session already ended');
  const classRef = descendants(statement, NS.saml, 'AuthnContextClassRef')[0];

  const expiresAt = Math.min(confirmedUntil!, notOnOrAfter ?? Infinity, issued + MAX_AGE_SECONDS) + SKEW_SECONDS;
  return {
    assertionId,
    expiresAt,
    nameId,
    nameIdFormat,
    attributes: readAttributes(assertion),
    ...(classRef ? { authnContext: textOf(classRef).trim() } : {}),
  };
}
