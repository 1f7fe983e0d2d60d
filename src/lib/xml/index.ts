// The XML security core (ground layer; pure, WebCrypto only, runs in workerd without nodejs_compat).
//
//   parseXml(text, limits?)                  → document; DTDs, entities, PIs refused before parsing,
//                                              sizes, depth and node count capped; one root element
//   canonicalize(el, {withComments?, inclusivePrefixes?, exclude?})
//                                            → exclusive XML c14n 1.0 of an element subtree
//   verifyEnvelopedSignature(el, {certificates, allowSha1?, idAttribute?})
//                                            → el itself once its enveloped signature verifies with
//                                              one of the caller's certificates (KeyInfo ignored);
//                                              read only from what it returns
//   signatureOf(el)                          → its direct ds:Signature child (or undefined)
//   signEnveloped(el, {privateKey, certificate?, insertBefore?})
//                                            → signs el in place: RSA-SHA256, exc-c14n, Reference "#ID"
//   decryptElement(encryptedData, privateKey)→ the element inside an xenc:EncryptedData
//                                              (RSA-OAEP key transport; AES-GCM or AES-CBC content)
//   textOf(el) / strictTextOf(el)            → canonical text: comments never truncate / refused
//   childElements, onlyChild, descendants, is, NS
//   certificateDer, spkiOfCertificate, selfSignedCertificate (RSA, SHA-256)
//   serializeXml(node)
// Every refusal is an XmlSecurityError (message for logs, never for users).
export { parseXml, XmlSecurityError, NODE, type XmlDocument, type XmlElement, type XmlNode, type ParseLimits } from './parse';
export { canonicalize, type C14nOptions } from './c14n';
export { verifyEnvelopedSignature, signatureOf, type VerifyOptions } from './verify';
export { signEnveloped, type SignOptions } from './sign';
export { decryptElement } from './decrypt';
export { NS, textOf, strictTextOf, childElements, onlyChild, descendants, is, isElement, base64Decode, base64Encode } from './dom';
export { certificateDer, spkiOfCertificate, selfSignedCertificate } from './x509';
export { serializeXml } from './serialize';
