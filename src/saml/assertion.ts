// The Response edge-sso posts to an SP's ACS (SAML Core §2, §3.3.3; Profiles §4.1.4.2): built as
// a string from escaped values by pure functions, then signed (./signing.ts). Times are Unix seconds.
import { NAME_ID_FORMATS, SAML_ATTRIBUTES, type NameIdFormat, type SamlAttributeNames } from '../apps/saml';
import { escapeXml as x, NS } from './xml';

/** How long the SP may accept the assertion: it is posted at once by the browser. */
export const ASSERTION_TTL_SECONDS = 300;
/** Allowance for the SP's clock being behind ours. */
export const NOT_BEFORE_SKEW_SECONDS = 60;

export const AUTHN_CONTEXTS = {
  password: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
  /** REFEDS MFA: the widely recognised class for "more than one factor". */
  mfa: 'https://refeds.org/profile/mfa',
  unspecified: 'urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified',
} as const;

/** The AuthnContextClassRef of a session's amr: multi-factor, password, or (an identity source, a lone passkey) unspecified. */
export function authnContextFor(amr: readonly string[]): string {
  if (amr.includes('mfa')) return AUTHN_CONTEXTS.mfa;
  if (amr.includes('pwd')) return AUTHN_CONTEXTS.password;
  return AUTHN_CONTEXTS.unspecified;
}

export const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  requester: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
  requestDenied: 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
} as const;

const instant = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A SAML ID: an NCName (it must not start with a digit), 160 random bits. */
export function newSamlId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return `_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export interface AssertionInput {
  id: string;
  issuer: string;
  audience: string;
  acsUrl: string;
  /** The AuthnRequest's ID; absent for an IdP-initiated sign-in. */
  inResponseTo?: string;
  now: number;
  nameId: { format: NameIdFormat; value: string };
  authnInstant: number;
  sessionIndex: string;
  amr: readonly string[];
  attributes: { email: string; name: string; given_name: string; family_name: string; groups: readonly string[] };
  attributeNames: SamlAttributeNames;
}

function attributeStatement(input: AssertionInput): string {
  const attributes = SAML_ATTRIBUTES.flatMap((field) => {
    const name = input.attributeNames[field];
    const raw = input.attributes[field];
    const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string' && v !== '');
    if (!name || values.length === 0) return [];
    const format = /^urn:|:\/\//.test(name) ? 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri' : 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';
    return [`<saml:Attribute Name="${x(name)}" NameFormat="${format}">${values.map((v) => `<saml:AttributeValue>${x(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`];
  });
  return attributes.length ? `<saml:AttributeStatement>${attributes.join('')}</saml:AttributeStatement>` : '';
}

/** The Assertion element (unsigned). */
export function buildAssertion(input: AssertionInput): string {
  const inResponseTo = input.inResponseTo ? ` InResponseTo="${x(input.inResponseTo)}"` : '';
  const notOnOrAfter = instant(input.now + ASSERTION_TTL_SECONDS);
  return (
    `<saml:Assertion xmlns:saml="${NS.saml}" ID="${x(input.id)}" Version="2.0" IssueInstant="${instant(input.now)}">` +
    `<saml:Issuer>${x(input.issuer)}</saml:Issuer>` +
    `<saml:Subject>` +
    `<saml:NameID Format="${NAME_ID_FORMATS[input.nameId.format]}">${x(input.nameId.value)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${notOnOrAfter}" Recipient="${x(input.acsUrl)}"/>` +
    `</saml:SubjectConfirmation>` +
    `</saml:Subject>` +
    `<saml:Conditions NotBefore="${instant(input.now - NOT_BEFORE_SKEW_SECONDS)}" NotOnOrAfter="${notOnOrAfter}">` +
    `<saml:AudienceRestriction><saml:Audience>${x(input.audience)}</saml:Audience></saml:AudienceRestriction>` +
    `</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${instant(input.authnInstant)}" SessionIndex="${x(input.sessionIndex)}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${authnContextFor(input.amr)}</saml:AuthnContextClassRef></saml:AuthnContext>` +
    `</saml:AuthnStatement>` +
    attributeStatement(input) +
    `</saml:Assertion>`
  );
}

export interface ResponseInput {
  id: string;
  issuer: string;
  acsUrl: string;
  inResponseTo?: string;
  now: number;
  status: { code: string; subCode?: string; message?: string };
  /** The (signed) assertion, or nothing for an error answer. */
  assertion?: string;
}

/** The samlp:Response around an assertion, or an error status without one. */
export function buildResponse(input: ResponseInput): string {
  const inResponseTo = input.inResponseTo ? ` InResponseTo="${x(input.inResponseTo)}"` : '';
  const sub = input.status.subCode ? `<samlp:StatusCode Value="${input.status.subCode}"/>` : '';
  const message = input.status.message ? `<samlp:StatusMessage>${x(input.status.message)}</samlp:StatusMessage>` : '';
  return (
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${x(input.id)}" Version="2.0" IssueInstant="${instant(input.now)}" Destination="${x(input.acsUrl)}"${inResponseTo}>` +
    `<saml:Issuer>${x(input.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${input.status.code}">${sub}</samlp:StatusCode>${message}</samlp:Status>` +
    (input.assertion ?? '') +
    `</samlp:Response>`
  );
}
