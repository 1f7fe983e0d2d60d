// The Integration tab's ready-to-paste code, filled in with one app's values.
import type { App } from '../../../apps/app';
import { appEndpoints } from '../../../apps/app';

interface SnippetValues {
  issuer: string;
  app: App;
}

const py = (value: string) => JSON.stringify(value);

export function flaskSnippet({ issuer, app }: SnippetValues): string {
  const hs = app.signingAlg === 'HS256';
  const callback = app.redirectUrls[0] ?? 'https://your-app.example.com/sso/callback';
  return `# Register ${callback} (and your home URL, for sign-out) as redirect URLs.
# response_mode must be query or form_post for a server-side app (this app: ${app.responseMode}).
import os
from flask import Flask
from edge_sso import EdgeSSO, login_required

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]
app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")

sso = EdgeSSO(
    app,
    issuer=${py(issuer)},
    client_id=${py(app.clientId)},
${hs ? '    client_secret=os.environ["EDGE_SSO_CLIENT_SECRET"],  # HS256: never commit the secret\n    # during a secret rotation: client_secrets=[new, old] (or EDGE_SSO_CLIENT_SECRETS="new,old")\n' : `    algorithm=${py(app.signingAlg)},  # optional pin; verified with ${appEndpoints(issuer, app.clientId).jwks_uri}\n`})

@app.route("/profile")
@login_required
def profile():
    user = sso.current_user  # verified claims: sub, email, name, groups, ...
    return f"Hello {user['email']}"
`;
}

export function nodeSnippet({ issuer, app }: SnippetValues): string {
  const hs = app.signingAlg === 'HS256';
  const key = hs
    ? `// HS256: the client secret, from the environment (never in code).
const key = new TextEncoder().encode(process.env.EDGE_SSO_CLIENT_SECRET);`
    : `// ${app.signingAlg}: the issuer's public keys, fetched and cached by jose.
const key = createRemoteJWKSet(new URL('${appEndpoints(issuer, app.clientId).jwks_uri}'));`;
  return `import { ${hs ? 'jwtVerify' : 'createRemoteJWKSet, jwtVerify'} } from 'jose';

${key}

// Send the browser to: ${appEndpoints(issuer, app.clientId).sso_url}?redirect_uri=<registered URL>&state=<random, kept in your session>
// Then, at the redirect URL (${app.responseMode}), check state against your session and verify the token:
export async function verifyIdToken(idToken) {
  const { payload } = await jwtVerify(idToken, key, {
    issuer: '${issuer}',
    audience: '${app.clientId}',
    algorithms: ['${app.signingAlg}'],
    clockTolerance: 30,
  });
  // Also refuse a payload.jti you have already accepted (replay), until payload.exp.
  return payload; // { sub, email, name, groups, ... }
}
`;
}

// --- OpenID Connect ------------------------------------------------------------------------------


const pathOf = (url: string) => {
  try {
    return new URL(url).pathname;
  } catch {
    return '/callback';
  }
};

/** The OIDC discovery document's URL: what every OIDC client library starts from. */
export function discoveryUrl(issuer: string): string {
  return `${issuer}/.well-known/openid-configuration`;
}

export function authlibSnippet({ issuer, app }: SnippetValues): string {
  const method = app.tokenEndpointAuthMethod;
  const callback = app.redirectUrls[0] ?? 'https://your-app.example.com/callback';
  const home = app.logoutUrls[0] ?? new URL('/', callback).href;
  const secret =
    method === 'none'
      ? '    # A public client (token_endpoint_auth_method "none"): no secret; PKCE protects the code.\n'
      : '    client_secret=os.environ["EDGE_SSO_CLIENT_SECRET"],  # never commit the secret\n';
  return `# OpenID Connect with Authlib (Debian: python3-authlib python3-requests python3-flask).
# Registered redirect URL: ${callback}
# Sign-out return URL: ${home}${app.logoutUrls.length ? '' : ' (add it to the app\'s logout URLs first)'}
import os
from urllib.parse import urlencode
from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, session, url_for

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]
app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")

oauth = OAuth(app)
oauth.register(
    "edge_sso",
    client_id=${py(app.clientId)},
${secret}    server_metadata_url=${py(discoveryUrl(issuer))},
    client_kwargs={
        "scope": "openid email profile groups",
        "code_challenge_method": "S256",
        "token_endpoint_auth_method": ${py(method)},
    },
)

@app.route("/login")
def login():
    return oauth.edge_sso.authorize_redirect(${py(callback)})

@app.route(${py(pathOf(callback))})
def callback():
    token = oauth.edge_sso.authorize_access_token()  # checks state, PKCE, and the ID token (signature, iss, aud, nonce)
    session["user"] = oauth.edge_sso.userinfo(token=token)  # sub, email, name, groups, ...
    session["id_token"] = token["id_token"]
    return redirect("/profile")

@app.route("/logout")
def logout():
    id_token = session.pop("id_token", None)
    session.clear()
    end_session = oauth.edge_sso.load_server_metadata()["end_session_endpoint"]
    query = {"client_id": ${py(app.clientId)}, "post_logout_redirect_uri": ${py(home)}}
    if id_token:
        query["id_token_hint"] = id_token
    return redirect(f"{end_session}?{urlencode(query)}")
`;
}

export function openidClientSnippet({ issuer, app }: SnippetValues): string {
  const method = app.tokenEndpointAuthMethod;
  const callback = app.redirectUrls[0] ?? 'https://your-app.example.com/callback';
  const auth =
    method === 'none'
      ? `client.discovery(new URL('${issuer}'), '${app.clientId}', undefined, client.None())`
      : method === 'client_secret_post'
        ? `client.discovery(new URL('${issuer}'), '${app.clientId}', undefined, client.ClientSecretPost(process.env.EDGE_SSO_CLIENT_SECRET))`
        : `client.discovery(new URL('${issuer}'), '${app.clientId}', undefined, client.ClientSecretBasic(process.env.EDGE_SSO_CLIENT_SECRET))`;
  return `import * as client from 'openid-client'; // v6

// Reads ${discoveryUrl(issuer)}; token_endpoint_auth_method: ${method}
const config = await ${auth};

// 1. Sign in: keep codeVerifier and state in the user's session, then redirect to \`url\`.
export async function startSignIn() {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: '${callback}',
    scope: 'openid email profile groups',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
  });
  return { url, codeVerifier, state };
}

// 2. At ${callback}: the full URL the browser arrived at, and what step 1 kept.
export async function finishSignIn(currentUrl, { codeVerifier, state }) {
  const tokens = await client.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: codeVerifier, expectedState: state });
  const claims = tokens.claims(); // the verified ID token: sub, email, name, groups, ...
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  return { tokens, claims, userinfo };
}

// 3. Sign out: send the browser to this URL (the return URL must be one of the app's logout URLs).
export function signOutUrl(idToken, postLogoutRedirectUri, state) {
  return client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri, state });
}
`;
}
