// Reads a service provider's metadata, as its admin pastes it: the entity ID, the HTTP-POST
// assertion consumer services, whether it signs its AuthnRequests (and with which certificates),
// and the NameID format it prefers. Nothing else in it is trusted or used.
import { NAME_ID_FORMATS, type NameIdFormat } from '../apps/saml';
import { attr, childElements, NS, onlyChild, parseRoot, reading, textOf, type XmlElement } from './xml';

export const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
export const HTTP_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
/** Metadata of one SP is a few kilobytes; a pasted federation aggregate is refused. */
export const MAX_METADATA_LENGTH = 100_000;
const MAX_CERTIFICATES = 4;

export interface SpMetadata {
  entityId: string;
  /** HTTP-POST ACS locations, the default first (isDefault, then the lowest index). */
  acsUrls: string[];
  /** Their indexes (an unsigned short each), for AuthnRequests that name their ACS by index. */
  acsIndexes: Record<string, string>;
  /** The first NameIDFormat it lists that edge-sso can answer with, if any. */
  nameIdFormat?: NameIdFormat;
  requestsSigned: boolean;
  /** base64 DER certificates of its signing keys (KeyDescriptor use="signing" or without use). */
  certificates: string[];
}

export type MetadataResult = { ok: true; metadata: SpMetadata } | { ok: false; reason: string };

function entityDescriptor(root: XmlElement): XmlElement | string {
  if (root.namespaceURI === NS.md && root.localName === 'EntityDescriptor') return root;
  if (root.namespaceURI === NS.md && root.localName === 'EntitiesDescriptor') {
    const list = childElements(root, NS.md, 'EntityDescriptor');
    return list.length === 1 ? list[0]! : 'holds several entities; paste the metadata of this one service provider';
  }
  return 'is not SAML metadata (expected an md:EntityDescriptor)';
}

/** An AssertionConsumerServiceIndex (xs:unsignedShort): decimal digits up to 65535; undefined otherwise. */
export function acsIndex(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,5}$/.test(value)) return undefined;
  const index = Number(value);
  return index <= 65535 ? index : undefined;
}

const formatName = (uri: string) => (Object.entries(NAME_ID_FORMATS).find(([, value]) => value === uri)?.[0] as NameIdFormat | undefined);

/** Parses SP metadata; the reason on failure is meant for the admin who pasted it. */
export function parseSpMetadata(xml: string): MetadataResult {
  const parsed = parseRoot(xml.trim(), MAX_METADATA_LENGTH);
  if (!parsed.ok) return { ok: false, reason: `is not XML edge-sso accepts: ${parsed.reason}` };
  const entity = entityDescriptor(parsed.root);
  if (typeof entity === 'string') return { ok: false, reason: entity };
  const read = reading(() => readEntity(entity));
  return 'refused' in read ? { ok: false, reason: `is refused: ${read.refused}` } : read;
}

function readEntity(entity: XmlElement): MetadataResult {
  const entityId = attr(entity, 'entityID')?.trim();
  if (!entityId) return { ok: false, reason: 'has no entityID' };
  const sp = onlyChild(entity, NS.md, 'SPSSODescriptor');
  if (!sp) return { ok: false, reason: 'has no SPSSODescriptor: it is not a service provider’s metadata' };

  const services = childElements(sp, NS.md, 'AssertionConsumerService')
    .filter((el) => attr(el, 'Binding') === HTTP_POST)
    .map((el, position) => ({ url: attr(el, 'Location')?.trim() ?? '', isDefault: attr(el, 'isDefault') === 'true', index: acsIndex(attr(el, 'index')) ?? position }))
    .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.index - b.index);
  if (services.length === 0) return { ok: false, reason: 'lists no AssertionConsumerService with the HTTP-POST binding (the only one edge-sso answers with)' };

  const certificates = childElements(sp, NS.md, 'KeyDescriptor')
    .filter((kd) => (attr(kd, 'use') ?? 'signing') === 'signing')
    .flatMap((kd) => childElements(kd, NS.ds, 'KeyInfo'))
    .flatMap((ki) => childElements(ki, NS.ds, 'X509Data'))
    .flatMap((data) => childElements(data, NS.ds, 'X509Certificate'))
    .map((el) => textOf(el).replace(/\s+/g, ''));
  if (certificates.length > MAX_CERTIFICATES) return { ok: false, reason: `lists more than ${MAX_CERTIFICATES} signing certificates` };

  const requestsSigned = attr(sp, 'AuthnRequestsSigned') === 'true';
  if (requestsSigned && certificates.length === 0) return { ok: false, reason: 'says AuthnRequestsSigned="true" but has no signing certificate to verify them with' };

  const nameIdFormat = childElements(sp, NS.md, 'NameIDFormat')
    .map((el) => formatName(textOf(el).trim()))
    .find((name) => name !== undefined);
  return { ok: true, metadata: { entityId, acsUrls: [...new Set(services.map((s) => s.url))], acsIndexes: indexedEndpoints(sp), ...(nameIdFormat ? { nameIdFormat } : {}), requestsSigned, certificates } };
}

/** The HTTP-POST ACS URL of each index; an index that two endpoints claim names neither. */
function indexedEndpoints(sp: XmlElement): Record<string, string> {
  const indexed = childElements(sp, NS.md, 'AssertionConsumerService').map((el) => ({ el, index: acsIndex(attr(el, 'index')) }));
  const acsIndexes: Record<string, string> = {};
  for (const { el, index } of indexed) {
    if (index === undefined || attr(el, 'Binding') !== HTTP_POST || indexed.filter((other) => other.index === index).length > 1) continue;
    acsIndexes[String(index)] = attr(el, 'Location')?.trim() ?? '';
  }
  return acsIndexes;
}
