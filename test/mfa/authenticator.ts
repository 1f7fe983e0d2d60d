// A software WebAuthn authenticator for tests in workerd: a P-256 key made with WebCrypto, a
// "none" attestation and assertions built byte by byte (CBOR, authenticator data, DER signature)
// exactly as a browser would send them, so @simplewebauthn/server verifies real structures.
import { base64url, fromBase64url, utf8 } from '../../src/lib/encoding';

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, n: number): number[] {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  if (n < 65536) return [(major << 5) | 25, n >> 8, n & 255];
  return [(major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function cbor(value: Cbor): Uint8Array {
  if (typeof value === 'number') return new Uint8Array(value >= 0 ? head(0, value) : head(1, -1 - value));
  if (typeof value === 'string') {
    const bytes = utf8(value);
    return concat(new Uint8Array(head(3, bytes.length)), bytes);
  }
  if (value instanceof Uint8Array) return concat(new Uint8Array(head(2, value.length)), value);
  const parts: Uint8Array[] = [new Uint8Array(head(5, value.size))];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return concat(...parts);
}

export function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const sha256 = async (bytes: Uint8Array<ArrayBuffer>) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const u32 = (n: number) => new Uint8Array([(n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255]);

/** ECDSA's raw r||s as the DER SEQUENCE WebAuthn carries. */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.slice(i);
    if (v[0]! & 0x80) v = concat(new Uint8Array([0]), v);
    return concat(new Uint8Array([0x02, v.length]), v);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(new Uint8Array([0x30, body.length]), body);
}

export interface CreationOptions {
  challenge: string;
  rp: { id: string };
  user: { id: string };
}
export interface RequestOptions {
  challenge: string;
  rpId: string;
  allowCredentials?: { id: string }[];
}

export class SoftAuthenticator {
  private keys!: CryptoKeyPair;
  readonly credentialId: Uint8Array<ArrayBuffer>;
  private userHandle = new Uint8Array();
  private counter = 0;

  /** `counting: false`: a signature counter that stays 0, as synced passkeys often do. */
  /** `idBytes`: the credential ID's length (WebAuthn allows up to 1023). */
  constructor(
    private readonly origin: string,
    private readonly counting = true,
    idBytes = 16,
  ) {
    this.credentialId = crypto.getRandomValues(new Uint8Array(idBytes));
  }

  get id(): string {
    return base64url(this.credentialId);
  }

  /** The RegistrationResponseJSON navigator.credentials.create() would give for `options`. */
  async register(options: CreationOptions, origin = this.origin): Promise<string> {
    this.keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    this.userHandle = fromBase64url(options.user.id);
    const jwk = (await crypto.subtle.exportKey('jwk', this.keys.publicKey)) as JsonWebKey;
    const cose = cbor(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, fromBase64url(jwk.x!)], [-3, fromBase64url(jwk.y!)]]));
    const authData = concat(
      await sha256(utf8(options.rp.id)),
      new Uint8Array([0x45]), // user present, user verified, attested credential data
      u32(0),
      new Uint8Array(16), // AAGUID
      new Uint8Array([this.credentialId.length >> 8, this.credentialId.length & 255]),
      this.credentialId,
      cose,
    );
    const clientData = utf8(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }));
    const attestation = cbor(new Map<Cbor, Cbor>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    return JSON.stringify({
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: { clientDataJSON: base64url(clientData), attestationObject: base64url(attestation), transports: ['internal'] },
    });
  }

  /** The AuthenticationResponseJSON navigator.credentials.get() would give for `options`. */
  /** `verified: false`: user present only, no PIN or biometric (the flags a security key without a PIN sets). */
  /** `backupEligible`: set the BE flag (a synced passkey says so), whatever the passkey was registered as. */
  async assert(options: RequestOptions, origin = this.origin, verified = true, backupEligible = false): Promise<string> {
    if (this.counting) this.counter += 1;
    const flags = (verified ? 0x05 : 0x01) | (backupEligible ? 0x08 : 0);
    const authData = concat(await sha256(utf8(options.rpId)), new Uint8Array([flags]), u32(this.counter));
    const clientData = utf8(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin, crossOrigin: false }));
    const signed = concat(authData, await sha256(clientData));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.keys.privateKey, signed));
    return JSON.stringify({
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: base64url(clientData),
        authenticatorData: base64url(authData),
        signature: base64url(derSignature(raw)),
        userHandle: base64url(this.userHandle),
      },
    });
  }
}

/** The options JSON a page hands its passkey script. */
export function pageOptions<T>(html: string): T {
  const json = /<script type="application\/json" id="webauthn-options">([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (!json) throw new Error('no passkey options on the page');
  return JSON.parse(json) as T;
}
