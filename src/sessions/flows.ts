// A pending sign-in: what the browser asked for before it was sent to the login page.
//
// It is stateless, so an anonymous request writes nothing: the flow travels sealed in the login
// page's URL (`/login?flow=<value>`) and in its form. The value is AES-GCM under a key derived
// with HKDF from KEY_ENCRYPTION_KEY with its own purpose (`pending-sign-in:v1`, separate from the
// at-rest key in src/lib/secret-box.ts), so it can be neither read nor forged, and it carries its
// own expiry (10 minutes).
//
// Single use, and why a replay is harmless: a flow grants nothing by itself. It only names a path
// on this origin to return to after sign-in (the SSO URL the app opened, or a console page), and
// that final step is bound to the session, not to the flow: the SSO URL validates the app and its
// registered redirect URL again and mints a token only for the session cookie the browser carries,
// a fresh session id issued by the sign-in that consumed the form (and the console checks the
// session's admin role on every page). Replaying a used flow value therefore only sends someone to
// the login page, or back to a page that re-checks their own session; the app's `state` inside it
// is the app's own single-use value, checked on the app's side. What must be single use (the
// session id, and later OIDC codes) is consumed in D1 or KV at that final step.
import type { Bindings } from '../env';
import type { FormBody } from '../http/forms';
import { base64url, fromBase64url, utf8 } from '../lib/encoding';
import { isLocalPath } from '../lib/local-path';
import { derivedAesKey } from '../lib/secret-box';
import { nowSeconds } from '../lib/time';

export const FLOW_TTL_SECONDS = 600;
/** Values longer than this are refused unread (a flow holds one SSO URL, itself under the 16 KB URL limit). */
const MAX_FLOW_LENGTH = 24_576;
const IV_BYTES = 12;
const AAD = utf8('edge-sso flow v1');

export interface Flow {
  /** Where to send the browser after sign-in: always a path on this origin, built by the server. */
  returnTo: string;
  /** The app the user is signing in to, for the login page's title and branding. */
  clientId?: string;
  /** The origin the browser will finally be sent to, allowed in the login page's CSP form-action. */
  targetOrigin?: string;
}

type FlowKeyEnv = Pick<Bindings, 'KEY_ENCRYPTION_KEY'>;

interface SealedFlow extends Flow {
  /** Expiry, Unix seconds: inside the sealed payload so it cannot be extended. */
  exp: number;
}

const flowKey = (secret: string) => derivedAesKey(secret, 'pending-sign-in:v1');

/** Seals a flow with an expiry `ttlSeconds` from now; the value is base64url (safe in a URL as is). */
export async function createFlow(env: FlowKeyEnv, flow: Flow, ttlSeconds = FLOW_TTL_SECONDS): Promise<string> {
  const payload: SealedFlow = { returnTo: flow.returnTo, clientId: flow.clientId, targetOrigin: flow.targetOrigin, exp: nowSeconds() + ttlSeconds };
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: AAD }, await flowKey(env.KEY_ENCRYPTION_KEY), utf8(JSON.stringify(payload))),
  );
  const out = new Uint8Array(IV_BYTES + sealed.length);
  out.set(iv);
  out.set(sealed, IV_BYTES);
  return base64url(out);
}

export type OpenedFlow = { flow: Flow; expired: boolean };

/**
 * Opens a flow value: null when it is absent, malformed or not sealed by this server; otherwise
 * the flow and whether it has expired (an expired flow still says where to start again).
 */
export async function openFlow(env: FlowKeyEnv, value: string | undefined): Promise<OpenedFlow | null> {
  if (!value || value.length > MAX_FLOW_LENGTH || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64url(value);
  } catch {
    return null;
  }
  if (bytes.length <= IV_BYTES + 16) return null;
  let payload: unknown;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, IV_BYTES), additionalData: AAD },
      await flowKey(env.KEY_ENCRYPTION_KEY),
      bytes.slice(IV_BYTES),
    );
    payload = JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return null; // tampered, truncated, or sealed under another key
  }
  const p = payload as Partial<SealedFlow>;
  // Sealed by us, so well-formed; checked anyway, since returnTo becomes a redirect.
  if (typeof p.returnTo !== 'string' || !isLocalPath(p.returnTo) || typeof p.exp !== 'number') return null;
  const flow: Flow = { returnTo: p.returnTo };
  if (typeof p.clientId === 'string') flow.clientId = p.clientId;
  if (typeof p.targetOrigin === 'string') flow.targetOrigin = p.targetOrigin;
  return { flow, expired: p.exp <= nowSeconds() };
}

/** The live flow the value carries, or null when it is absent, invalid or expired. */
export async function readFlow(env: FlowKeyEnv, value: string | undefined): Promise<Flow | null> {
  const opened = await openFlow(env, value);
  return opened && !opened.expired ? opened.flow : null;
}

/** The pending sign-in a posted form carries back in its `flow` field, if any. */
export function flowField(form: FormBody): string | undefined {
  return typeof form.flow === 'string' && form.flow !== '' ? form.flow : undefined;
}
