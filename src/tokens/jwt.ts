// Signing a JWT the minting paths have just built (the SSO URL's id_token, the token endpoint's
// ID and access tokens): jose's CompactSign over the claims' JSON. jose's SignJWT would first
// deep-copy the claims (structuredClone) to guard a caller's object against later changes; these
// claims are fresh plain objects, serialized at once, so the copy is only cost on the hot path.
import { CompactSign, type CompactJWSHeaderParameters, type JWTPayload } from 'jose';
import { utf8 } from '../lib/encoding';

export function signJwt(claims: JWTPayload, header: CompactJWSHeaderParameters, key: CryptoKey): Promise<string> {
  return new CompactSign(utf8(JSON.stringify(claims))).setProtectedHeader(header).sign(key);
}
