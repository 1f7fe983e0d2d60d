// Lifetimes and names of the OpenID Provider, in one place.

/** An authorization code lives at most this long (it is redeemed within seconds). */
export const CODE_TTL_SECONDS = 60;
/** Access tokens are short-lived JWTs: revocation is checked in D1 by userinfo and introspection. */
export const ACCESS_TOKEN_TTL_SECONDS = 600;
/** Each refresh token lives this long; every use replaces it with a new one (rotation). */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;
/** Consumed codes are kept this long after they expire, so a late replay still revokes what the code issued. */
export const CODE_RETENTION_SECONDS = 24 * 60 * 60;
/** The realm named in WWW-Authenticate challenges. */
export const REALM = 'edge-sso';

export const MAX_STATE_LENGTH = 2048;
export const MAX_NONCE_LENGTH = 512;
export const MAX_LOGIN_HINT_LENGTH = 254;

export const oidcPaths = {
  authorization: '/oauth2/authorize',
  token: '/oauth2/token',
  userinfo: '/oauth2/userinfo',
  endSession: '/oauth2/logout',
  revocation: '/oauth2/revoke',
  introspection: '/oauth2/introspect',
  jwks: '/.well-known/jwks.json',
} as const;
