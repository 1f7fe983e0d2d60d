"""A Flask app signing users in with edge-sso over OpenID Connect, with Authlib.

Run:  EDGE_SSO_ISSUER=http://localhost:8787 EDGE_SSO_CLIENT_ID=... EDGE_SSO_CLIENT_SECRET=... \\
      /usr/bin/python3 examples/flask-oidc/app.py
Then open http://localhost:5000/ (the host must match the app's registered redirect URL,
http://localhost:5000/callback). See README.md.

Everything protocol-related is Authlib's: discovery, the authorization code flow with PKCE,
state and nonce, the ID token's signature and claims, userinfo. This file adds only the app's
routes and OIDC Back-Channel Logout (edge-sso POSTs a signed logout token to /backchannel-logout
when the user signs out of edge-sso, is signed out everywhere, disabled or deleted).
"""
from __future__ import annotations

import os
import secrets
import threading
import time
from typing import Mapping, Optional
from urllib.parse import urlencode

from authlib.integrations.flask_client import OAuth
from authlib.jose import JsonWebKey, JsonWebToken
from authlib.jose.errors import JoseError
from flask import Flask, abort, redirect, render_template_string, request, session, url_for

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"

_LAYOUT = """<!doctype html><html><head><meta charset="utf-8"><title>edge-sso OIDC demo (Authlib)</title></head><body>
<nav><a href="{{ url_for('home') }}">Home</a> · <a href="{{ url_for('profile') }}">Profile</a> ·
{% if user %}<a href="{{ url_for('logout') }}">Sign out</a>{% else %}<a href="{{ url_for('login') }}">Sign in</a>{% endif %}</nav>
{% block body %}{% endblock %}</body></html>"""

_HOME = """{% extends layout %}{% block body %}<h1>edge-sso OIDC demo</h1>
{% if user %}<p>Signed in as <strong>{{ user.get('name') or user.get('email') or user.sub }}</strong>.</p>
{% else %}<p>You are not signed in.</p><p><a href="{{ url_for('login') }}">Sign in</a></p>{% endif %}
{% endblock %}"""

_PROFILE = """{% extends layout %}{% block body %}<h1>Profile</h1><dl>
<dt>Name</dt><dd id="name">{{ user.get('name', '') }}</dd>
<dt>Email</dt><dd id="email">{{ user.get('email', '') }}</dd>
<dt>User id</dt><dd id="sub">{{ user.sub }}</dd>
<dt>Groups</dt><dd><ul id="groups">{% for g in user.get('groups') or [] %}<li>{{ g }}</li>{% else %}<li>(none)</li>{% endfor %}</ul></dd>
</dl>{% endblock %}"""


class SignedOutUsers:
    """Who edge-sso signed out, and when: a session that started before that moment has ended.

    In memory and per process, like the demo itself; a real app keeps this (or its server-side
    sessions) in a store its processes share.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at: dict[str, float] = {}
        self._seen_jti: dict[str, float] = {}

    def sign_out(self, sub: str, jti: str, expires_at: float) -> bool:
        """Records a logout token; False when its jti was already used (a replay)."""
        now = time.time()
        with self._lock:
            self._seen_jti = {j: exp for j, exp in self._seen_jti.items() if exp > now}
            if jti in self._seen_jti:
                return False
            self._seen_jti[jti] = expires_at
            self._at[sub] = now
            return True

    def ended(self, sub: str, signed_in_at: float) -> bool:
        with self._lock:
            return signed_in_at <= self._at.get(sub, 0)


def create_app(env: Optional[Mapping[str, str]] = None) -> Flask:
    env = os.environ if env is None else env
    issuer = (env.get("EDGE_SSO_ISSUER") or "http://localhost:8787").rstrip("/")
    client_id = env.get("EDGE_SSO_CLIENT_ID")
    if not client_id:
        raise SystemExit("EDGE_SSO_CLIENT_ID is required (the client_id from the edge-sso console).")
    client_secret = env.get("EDGE_SSO_CLIENT_SECRET") or None
    auth_method = env.get("EDGE_SSO_AUTH_METHOD") or ("client_secret_basic" if client_secret else "none")

    app = Flask(__name__)
    app.secret_key = env.get("FLASK_SECRET_KEY") or secrets.token_hex(32)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=env.get("FLASK_COOKIE_SECURE", "false").lower() in ("1", "true", "yes"),
    )

    oauth = OAuth(app)
    oauth.register(
        "edge_sso",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid email profile groups",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": auth_method,
        },
    )
    edge_sso = oauth.edge_sso
    signed_out = SignedOutUsers()

    def current_user() -> Optional[dict]:
        user = session.get("user")
        if user and signed_out.ended(user["sub"], session.get("signed_in_at", 0)):
            session.clear()  # edge-sso said this user signed out: so does this app
            return None
        return user

    def page(template: str, **values) -> str:
        return render_template_string(template, layout=app.jinja_env.from_string(_LAYOUT), **values)

    @app.route("/")
    def home() -> str:
        return page(_HOME, user=current_user())

    @app.route("/login")
    def login():
        return edge_sso.authorize_redirect(url_for("callback", _external=True))

    @app.route("/callback")
    def callback():
        # Checks state, sends the PKCE verifier, and verifies the ID token (signature against the
        # JWKS, iss, aud, exp, nonce, at_hash) before returning.
        token = edge_sso.authorize_access_token()
        userinfo = edge_sso.userinfo(token=token)
        if userinfo.get("sub") != token["userinfo"]["sub"]:
            abort(401)
        session.clear()
        session["user"] = dict(userinfo)
        session["id_token"] = token["id_token"]
        session["signed_in_at"] = time.time()
        return redirect(url_for("profile"))

    @app.route("/profile")
    def profile():
        user = current_user()
        if not user:
            return redirect(url_for("login"))
        return page(_PROFILE, user=user)

    @app.route("/logout")
    def logout():
        """RP-initiated logout: end this app's session, then edge-sso's, and come back home."""
        id_token = session.get("id_token")
        session.clear()
        query = {"client_id": client_id, "post_logout_redirect_uri": url_for("home", _external=True)}
        if id_token:
            query["id_token_hint"] = id_token
        return redirect(f"{edge_sso.load_server_metadata()['end_session_endpoint']}?{urlencode(query)}")

    def verify_logout_token(token: str) -> dict:
        """OIDC Back-Channel Logout 1.0, section 2.6: signature, iss, aud, iat, exp, jti, events, no nonce."""
        metadata = edge_sso.load_server_metadata()
        jwt = JsonWebToken(metadata.get("id_token_signing_alg_values_supported") or ["RS256", "ES256"])
        options = {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": client_id},
            "iat": {"essential": True},
            "exp": {"essential": True},
            "jti": {"essential": True},
            "sub": {"essential": True},
        }
        try:
            keys = JsonWebKey.import_key_set(edge_sso.fetch_jwk_set())
            claims = jwt.decode(token, keys, claims_options=options)
        except (JoseError, ValueError):
            # An unknown kid after a key rotation: fetch the JWKS once more.
            keys = JsonWebKey.import_key_set(edge_sso.fetch_jwk_set(force=True))
            claims = jwt.decode(token, keys, claims_options=options)
        claims.validate(leeway=30)
        if claims.header.get("typ") not in (None, "logout+jwt"):
            raise ValueError("not a logout token (typ)")
        if "nonce" in claims:
            raise ValueError("a logout token never has a nonce")
        if not isinstance(claims.get("events"), dict) or BACKCHANNEL_LOGOUT_EVENT not in claims["events"]:
            raise ValueError("no back-channel logout event")
        return claims

    @app.route("/backchannel-logout", methods=["POST"])
    def backchannel_logout():
        headers = {"Cache-Control": "no-store"}
        token = request.form.get("logout_token", "")
        try:
            claims = verify_logout_token(token)
        except Exception as error:  # any verification failure is the sender's problem: 400, never a 500
            app.logger.warning("refused a logout token: %s", error)
            return {"error": "invalid_request", "error_description": "invalid logout token"}, 400, headers
        if not signed_out.sign_out(claims["sub"], claims["jti"], claims["exp"]):
            return {"error": "invalid_request", "error_description": "logout token already used"}, 400, headers
        app.logger.info("edge-sso signed out %s", claims["sub"])
        return "", 200, headers

    return app


if __name__ == "__main__":
    application = create_app()
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    print(f"edge-sso OIDC demo (Authlib) listening on http://{host}:{port}/; open http://localhost:{port}/", flush=True)
    application.run(host=host, port=port, debug=False)
