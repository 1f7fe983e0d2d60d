// Plays a SAML service provider against the Worker: registers it, builds AuthnRequests in both
// bindings (optionally signed with its own key), and reads the Response it is posted.
import { selfSignedCertificate, base64 } from '../../src/tokens/x509';
import { admin, unique } from '../helpers';

export const ORIGIN = 'https://sso.test';
export const SSO_URL = `${ORIGIN}/saml/sso`;
export const IDP_ENTITY = `${ORIGIN}/saml/metadata`;

export interface SpKey {
  privateKey: CryptoKey;
  certificate: string;
}

export async function spKey(): Promise<SpKey> {
  const { publicKey, privateKey } = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const der = await selfSignedCertificate({ kid: crypto.randomUUID(), createdAt: Math.floor(Date.now() / 1000), publicKey, privateKey });
  return { privateKey, certificate: base64(der) };
}

export interface SpOptions {
  entityId?: string;
  acs?: string[];
  signed?: SpKey;
  nameIdFormat?: string;
}

export function spMetadata(options: SpOptions & { entityId: string; acs: string[] }): string {
  const key = options.signed
    ? `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${options.signed.certificate}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`
    : '';
  const format = options.nameIdFormat ? `<md:NameIDFormat>${options.nameIdFormat}</md:NameIDFormat>` : '';
  const acs = options.acs
    .map((url, i) => `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${url}" index="${i}"/>`)
    .join('');
  return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${options.entityId}"><md:SPSSODescriptor AuthnRequestsSigned="${options.signed ? 'true' : 'false'}" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${key}${format}${acs}</md:SPSSODescriptor></md:EntityDescriptor>`;
}

export interface SamlAppJson {
  client_id: string;
  type: string;
  saml: { entity_id: string; acs_urls: string[]; name_id_format: string; requests_signed: boolean; attribute_map: Record<string, string> };
  [key: string]: unknown;
}

/** Registers an SP from its metadata; returns the app and the SP's entity ID and ACS. */
export async function samlApp(options: SpOptions = {}, fields: Record<string, unknown> = {}): Promise<{ app: SamlAppJson; entityId: string; acs: string }> {
  const entityId = options.entityId ?? `https://${unique('sp')}.example.com/saml`;
  const acs = options.acs ?? [`https://${unique('sp')}.example.com/acs`];
  const res = await admin('POST', '/apps', { name: 'SAML SP', type: 'saml', saml: { metadata_xml: spMetadata({ ...options, entityId, acs }) }, ...fields });
  if (res.status !== 201) throw new Error(`samlApp: ${res.status} ${await res.text()}`);
  return { app: await res.json(), entityId, acs: acs[0]! };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function authnRequestXml(fields: { issuer: string; id?: string; acs?: string; destination?: string; issueInstant?: number; nameIdFormat?: string; forceAuthn?: boolean; isPassive?: boolean; extra?: string }): string {
  const attrs = [
    `ID="${fields.id ?? `_${crypto.randomUUID()}`}"`,
    'Version="2.0"',
    `IssueInstant="${iso(fields.issueInstant ?? Date.now())}"`,
    fields.destination === undefined ? `Destination="${SSO_URL}"` : fields.destination ? `Destination="${fields.destination}"` : '',
    fields.acs ? `AssertionConsumerServiceURL="${fields.acs}"` : '',
    'ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"',
    fields.forceAuthn ? 'ForceAuthn="true"' : '',
    fields.isPassive ? 'IsPassive="true"' : '',
  ].filter(Boolean);
  const policy = fields.nameIdFormat ? `<samlp:NameIDPolicy Format="${fields.nameIdFormat}" AllowCreate="true"/>` : '';
  return `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ${attrs.join(' ')}><saml:Issuer>${fields.issuer}</saml:Issuer>${policy}${fields.extra ?? ''}</samlp:AuthnRequest>`;
}

function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

export async function deflateRaw(text: string): Promise<Uint8Array> {
  const stream = new Blob([new TextEncoder().encode(text)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The HTTP-Redirect binding's path: deflated, base64, URL-encoded; signed over the query string when `key` is given. */
export async function redirectPath(xml: string, options: { relayState?: string; key?: SpKey; sigAlg?: string } = {}): Promise<string> {
  let query = `SAMLRequest=${encodeURIComponent(b64(await deflateRaw(xml)))}`;
  if (options.relayState !== undefined) query += `&RelayState=${encodeURIComponent(options.relayState)}`;
  if (options.key) {
    query += `&SigAlg=${encodeURIComponent(options.sigAlg ?? 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')}`;
    const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', options.key.privateKey, new TextEncoder().encode(query)));
    query += `&Signature=${encodeURIComponent(b64(signature))}`;
  }
  return `/saml/sso?${query}`;
}

/** The SAMLResponse (decoded XML), RelayState and target of an auto-submitted form, or null if the page posts nothing. */
export async function postedResponse(res: Response): Promise<{ target: string; xml: string; relayState?: string } | null> {
  const html = await res.clone().text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  const response = /name="SAMLResponse" value="([^"]+)"/.exec(html)?.[1];
  if (!action || !response) return null;
  const relay = /name="RelayState" value="([^"]*)"/.exec(html)?.[1];
  const bytes = Uint8Array.from(atob(response), (c) => c.charCodeAt(0));
  return { target: action.replace(/&amp;/g, '&'), xml: new TextDecoder().decode(bytes), ...(relay !== undefined ? { relayState: relay } : {}) };
}
