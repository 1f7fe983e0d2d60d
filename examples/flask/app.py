"""Demo Flask app signing users in with edge-sso.

Run:  EDGE_SSO_CLIENT_ID=... EDGE_SSO_CLIENT_SECRET=... /usr/bin/python3 examples/flask/app.py
Then open http://localhost:5000/ (the host must match the redirect URLs registered for the app).
"""
from __future__ import annotations

import os
import secrets
from typing import Mapping, Optional

from flask import Flask, render_template_string

from edge_sso import EdgeSSO, login_required

_LAYOUT = """<!doctype html><html><head><meta charset="utf-8"><title>edge-sso Flask demo</title></head><body>
<nav><a href="{{ url_for('home') }}">Home</a> · <a href="{{ url_for('profile') }}">Profile</a> ·
{% if user %}<a href="{{ url_for('edge_sso.logout') }}">Sign out</a>{% else %}<a href="{{ url_for('edge_sso.login') }}">Sign in</a>{% endif %}</nav>
{% block body %}{% endblock %}</body></html>"""

_HOME = """{% extends layout %}{% block body %}<h1>edge-sso Flask demo</h1>
{% if user %}<p>Signed in as <strong>{{ user.get('name') or user.get('email') or user.sub }}</strong>.</p>
<p><a href="{{ url_for('edge_sso.logout') }}">Sign out</a></p>
{% else %}<p>You are not signed in.</p><p><a href="{{ url_for('edge_sso.login') }}">Sign in</a></p>{% endif %}
{% endblock %}"""

_PROFILE = """{% extends layout %}{% block body %}<h1>Profile</h1><dl>
<dt>Name</dt><dd id="name">{{ user.get('name', '') }}</dd>
<dt>Email</dt><dd id="email">{{ user.get('email', '') }}{% if user.get('email_verified') %} (verified){% endif %}</dd>
<dt>Username</dt><dd>{{ user.get('preferred_username', '') }}</dd>
<dt>User id</dt><dd>{{ user.sub }}</dd>
<dt>Groups</dt><dd><ul id="groups">{% for g in user.get('groups') or [] %}<li>{{ g }}</li>{% else %}<li>(none)</li>{% endfor %}</ul></dd>
</dl>{% endblock %}"""


def create_app(env: Optional[Mapping[str, str]] = None) -> Flask:
    """Build the demo app from environment variables (see README.md)."""
    env = os.environ if env is None else env
    client_id = env.get("EDGE_SSO_CLIENT_ID")
    if not client_id:
        raise SystemExit("EDGE_SSO_CLIENT_ID is required (the client_id from the edge-sso console).")
    secret = env.get("EDGE_SSO_CLIENT_SECRET") or None
    # During a secret rotation: "new,old". Without any secret, RS256/ES256 as the JWKS key says.
    secret_list = env.get("EDGE_SSO_CLIENT_SECRETS") or None
    algorithm = env.get("EDGE_SSO_ALGORITHM") or None

    app = Flask(__name__)
    app.secret_key = env.get("FLASK_SECRET_KEY") or secrets.token_hex(32)
    if not env.get("FLASK_SECRET_KEY"):
        app.logger.warning("FLASK_SECRET_KEY is not set: using a random key, sessions end when the app restarts")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=env.get("FLASK_COOKIE_SECURE", "false").lower() in ("1", "true", "yes"),
    )
    sso = EdgeSSO(app, issuer=env.get("EDGE_SSO_ISSUER", "http://localhost:8787"), client_id=client_id,
                  client_secret=secret, client_secrets=secret_list, algorithm=algorithm,
                  redirect_uri=env.get("EDGE_SSO_REDIRECT_URI") or None,
                  post_logout_redirect_uri=env.get("EDGE_SSO_POST_LOGOUT_REDIRECT_URI") or None)

    @app.route("/")
    def home() -> str:
        return render_template_string(_HOME, layout=app.jinja_env.from_string(_LAYOUT), user=sso.current_user)

    @app.route("/profile")
    @login_required
    def profile() -> str:
        return render_template_string(_PROFILE, layout=app.jinja_env.from_string(_LAYOUT), user=sso.current_user)

    return app


if __name__ == "__main__":
    application = create_app()
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    sso_ext: EdgeSSO = application.extensions["edge_sso"]
    print(f"edge-sso Flask demo listening on http://{host}:{port}/ "
          f"(issuer {sso_ext.issuer}, client {sso_ext.client_id}, {sso_ext.algorithm or 'RS256/ES256 from the JWKS'}); "
          f"open http://localhost:{port}/", flush=True)
    application.run(host=host, port=port, debug=False)
