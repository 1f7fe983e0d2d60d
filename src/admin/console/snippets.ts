// The Integration tab's ready-to-paste code, filled in with one app's values.
import type { App } from '../../apps/app';
import { appEndpoints } from '../../apps/app';

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
