// The routes the bench measures (bench/run.mjs): the bare baseline, the SSO URL per signing
// algorithm, the JWKS, and the OpenID Connect routes whose requests carry per-connection state.
import { ALGS } from './fixture.mjs';
import { authorizeCode, basicAuth, codeFlowTokens, decodeJwtHeader, REDIRECT } from './flows.mjs';

// --- Routes with per-connection state -----------------------------------------------------

/**
 * The refresh grant, honestly: refresh tokens rotate, so each connection follows its own chain,
 * sending the token its previous response returned. A chain broken by an error (its last token's
 * fate unknown) is re-seeded with a new code flow before that connection's next timed request.
 */
function refreshRoute(base, { oidc, cookie }, connections) {
  const chains = new Array(connections).fill(null);
  return {
    key: 'refresh',
    label: 'POST /oauth2/token, refresh grant',
    url: `${base}/oauth2/token`,
    check: is200,
    async seed() {
      for (let i = 0; i < connections; i++) chains[i] ??= (await codeFlowTokens(base, oidc, cookie)).refresh_token;
    },
    async prepare(connection) {
      chains[connection] ??= (await codeFlowTokens(base, oidc, cookie)).refresh_token;
    },
    request(connection) {
      return {
        method: 'POST',
        headers: { authorization: basicAuth(oidc), 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(chains[connection])}`,
      };
    },
    async settle(connection, res) {
      const body = await res.json().catch(() => null);
      const ok = res.status === 200 && typeof body?.refresh_token === 'string' && typeof body?.id_token === 'string';
      chains[connection] = ok ? body.refresh_token : null;
      return ok;
    },
    broken(connection) {
      chains[connection] = null;
    },
  };
}

/** The code exchange: each request redeems a code its connection obtained (untimed) just before. */
function codeExchangeRoute(base, { oidc, cookie }, connections) {
  const codes = new Array(connections).fill(null);
  return {
    key: 'exchange',
    label: 'POST /oauth2/token, code exchange',
    url: `${base}/oauth2/token`,
    check: is200,
    async seed() {
      codes[0] = await authorizeCode(base, oidc, cookie);
    },
    async prepare(connection) {
      codes[connection] = await authorizeCode(base, oidc, cookie);
    },
    request(connection) {
      const { code, verifier } = codes[connection];
      return {
        method: 'POST',
        headers: { authorization: basicAuth(oidc), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
      };
    },
    async settle(_connection, res) {
      const body = await res.json().catch(() => null);
      return res.status === 200 && typeof body?.id_token === 'string';
    },
  };
}

// --- Routes -----------------------------------------------------------------------------------

const is200 = (res) => res.status === 200;
const isTokenRedirect = (res) => res.status === 303 && (res.headers.get('location') ?? '').includes('id_token=');

export function routes(base, fixture, connections) {
  const { apps, cookie } = fixture;
  const bare = { key: 'bare', label: 'GET /healthz (bare route)', url: `${base}/healthz`, check: is200 };
  const sso = ALGS.map((alg) => ({
    key: `sso-${alg}`,
    alg,
    label: `SSO URL, live session, ${alg}`,
    url: `${base}/sso/jwt/${apps[alg]}?redirect_uri=${encodeURIComponent(REDIRECT)}`,
    headers: { cookie },
    check: isTokenRedirect,
  }));
  const jwks = { key: 'jwks', label: 'GET /.well-known/jwks.json', url: `${base}/.well-known/jwks.json`, check: is200 };
  const refresh = refreshRoute(base, fixture, connections);
  const exchange = codeExchangeRoute(base, fixture, connections);
  // Access tokens live 10 minutes: a long run takes a fresh one (untimed) before the old one nears its end.
  let access = { token: fixture.accessToken, at: Date.now() };
  let renewing = null;
  const userinfo = {
    key: 'userinfo',
    label: 'GET /oauth2/userinfo (Bearer)',
    url: `${base}/oauth2/userinfo`,
    get headers() {
      return { authorization: `Bearer ${access.token}` };
    },
    async prepare() {
      if (Date.now() - access.at < 5 * 60_000) return;
      renewing ??= codeFlowTokens(base, fixture.oidc, cookie).then((t) => {
        access = { token: t.access_token, at: Date.now() };
        renewing = null;
      });
      await renewing;
    },
    check: is200,
  };
  return { bare, measured: [...sso, jwks, exchange, refresh, userinfo] };
}

/** One request per route, so a broken route fails loudly before any load is put on it. */
export async function preflight(route) {
  if (route.request) {
    await route.seed();
    const res = await fetch(route.url, { ...route.request(0), redirect: 'manual' });
    if (!(await route.settle(0, res))) throw new Error(`${route.label}: got HTTP ${res.status}`);
    return;
  }
  const res = await fetch(route.url, { headers: route.headers, redirect: 'manual' });
  const location = res.headers.get('location');
  const body = await res.text();
  if (!route.check(res)) throw new Error(`${route.label}: got HTTP ${res.status} ${location ?? ''} ${body.slice(0, 200)}`);
  if (route.alg) {
    const token = new URL(location).searchParams.get('id_token');
    const { alg } = decodeJwtHeader(token);
    if (alg !== route.alg) throw new Error(`${route.label}: id_token is signed with ${alg}`);
  }
}
