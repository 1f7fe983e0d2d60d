"""Flask integration kit for edge-sso (JWT single sign-on on Cloudflare Workers).

Usage::

    from edge_sso import EdgeSSO, login_required

    sso = EdgeSSO(app, issuer="https://sso.example.com", client_id="...",
                  client_secret="...")            # HS256
    # RS256/ES256 apps give no secret: the algorithm comes from the issuer's JWKS key
    # (pin it with algorithm="RS256"/"ES256" if you like). During a secret rotation, give
    # client_secrets=["new", "old"] (or EDGE_SSO_CLIENT_SECRETS) and both verify.

    @app.route("/profile")
    @login_required
    def profile():
        return sso.current_user["email"]          # the verified token claims

Registers ``/login``, ``/sso/callback`` (GET for ``query``, POST for ``form_post``)
and ``/logout`` on a blueprint named ``edge_sso``. Depends only on Flask and PyJWT
(plus ``cryptography`` for RS256/ES256). See README.md for the full story.
"""
from __future__ import annotations

import functools
import hmac
import json
import secrets
import threading
import time
import urllib.request
from typing import Any, Callable, Optional, Protocol, Sequence, TypeVar, Union
from urllib.parse import quote, urlencode, urlsplit

import jwt
from flask import Blueprint, Flask, Response, current_app, redirect, render_template_string, request, session, url_for

__all__ = ["EdgeSSO", "login_required", "ReplayCache", "InMemoryReplayCache", "JWKSCache", "SSOError", "USER_KEY"]

USER_KEY = "edge_sso_user"  # session key holding the signed-in user's claims
_STATE_KEY, _NEXT_KEY, _REPOST_FIELD = "edge_sso_state", "edge_sso_next", "edge_sso_repost"
_KEY_TYPES = {"RS256": "RSA", "ES256": "EC"}
_ALG_OF_KEY_TYPE = {"RSA": "RS256", "EC": "ES256"}
_REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub", "jti"]
F = TypeVar("F", bound=Callable[..., Any])

_ERROR_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body><h1>Sign-in failed</h1><p>{{ message }}</p><p><a href="{{ login_url }}">Try signing in again</a></p></body></html>"""
# form_post with a SameSite=Lax session cookie: see EdgeSSO._callback and README.md.
_REPOST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Signing in…</title></head>
<body><form method="post" action="{{ action }}">{% for name, value in fields %}
<input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
<noscript><button type="submit">Continue signing in</button></noscript></form>
<script>document.forms[0].submit();</script></body></html>"""


class SSOError(Exception):
    """A refused sign-in; ``status`` is the HTTP status of the error page shown."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


class ReplayCache(Protocol):
    """Remembers used token ids (``jti``). Plug a shared store (e.g. Redis
    ``SET edge-sso:jti:<jti> 1 NX EXAT <expires_at>``) when running several processes."""

    def add(self, jti: str, expires_at: float) -> bool:
        """Record ``jti`` until unix time ``expires_at``; return False if already recorded."""
        ...


class InMemoryReplayCache:
    """Per-process replay cache: a dict of jti -> expiry, purged as it goes."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def add(self, jti: str, expires_at: float) -> bool:
        now = time.time()
        with self._lock:
            for old in [k for k, exp in self._seen.items() if exp <= now]:
                del self._seen[old]
            if jti in self._seen:
                return False
            self._seen[jti] = expires_at
            return True


def _fetch_json(url: str, timeout: float) -> Any:
    req = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "edge-sso-flask"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (URL is configuration)
        return json.loads(resp.read(1_000_000))


class JWKSCache:
    """Caches the issuer's public keys by ``kid``, each with the algorithm it declares.

    With ``algorithm`` set, only keys usable with it are kept; with ``None``, RSA keys are
    RS256 keys and P-256 EC keys are ES256 keys (a key's ``alg`` member, when present, must agree).

    Keys are (re)loaded on first use and after ``max_age`` seconds. An unknown ``kid``
    triggers one immediate refetch (key rotation), but such refetches happen at most
    once per ``refetch_interval`` seconds, so forged kids cannot hammer the issuer.
    """

    def __init__(self, url: str, algorithm: Optional[str], *, refetch_interval: float = 60.0, max_age: float = 3600.0,
                 timeout: float = 5.0, fetch: Optional[Callable[[str, float], Any]] = None) -> None:
        self.url, self.algorithm, self.timeout = url, algorithm, timeout
        self.refetch_interval, self.max_age = refetch_interval, max_age
        self._fetch = fetch or _fetch_json
        self._keys: Optional[dict[str, tuple[str, Any]]] = None
        self._loaded_at = 0.0
        self._last_refetch = float("-inf")
        self._lock = threading.Lock()

    def _load(self) -> dict[str, tuple[str, Any]]:
        try:
            document = self._fetch(self.url, self.timeout)
        except (OSError, ValueError) as exc:  # URLError/HTTPError/timeouts are OSErrors; bad JSON is a ValueError
            raise SSOError("The identity provider could not be reached to fetch its signing keys; "
                           "please try again in a moment.", 503) from exc
        keys: dict[str, tuple[str, Any]] = {}
        for jwk in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(jwk, dict):
                continue
            alg = _ALG_OF_KEY_TYPE.get(jwk.get("kty"))  # type: ignore[arg-type]
            if not (alg and isinstance(jwk.get("kid"), str) and self.algorithm in (None, alg)
                    and jwk.get("use", "sig") == "sig" and jwk.get("alg", alg) == alg
                    and (alg != "ES256" or jwk.get("crv") == "P-256")):
                continue
            try:
                keys[jwk["kid"]] = (alg, jwt.PyJWK(jwk, alg).key)
            except Exception:  # noqa: BLE001 - a malformed key is skipped, not fatal
                continue
        return keys

    def get_key(self, kid: str) -> Any:
        """Return the public key for ``kid``, refetching the JWKS if needed; raise SSOError if unknown."""
        return self.get_key_and_alg(kid)[1]

    def get_key_and_alg(self, kid: str) -> tuple[str, Any]:
        """Return ``(algorithm, public key)`` for ``kid``, refetching the JWKS if needed."""
        with self._lock:
            now = time.monotonic()
            fresh = False
            if self._keys is None or now - self._loaded_at > self.max_age:
                try:
                    self._keys, self._loaded_at, fresh = self._load(), now, True
                except SSOError:
                    if self._keys is None:
                        raise
                    self._loaded_at = now - self.max_age + self.refetch_interval  # keep stale keys, retry soon
            if kid not in self._keys and not fresh and now - self._last_refetch >= self.refetch_interval:
                self._last_refetch = now
                self._keys, self._loaded_at = self._load(), now
            entry = self._keys.get(kid)
        if entry is None:
            raise SSOError(f"The id_token was signed with an unknown key (kid {kid!r}).", 401)
        return entry


def safe_next(target: Optional[str]) -> str:
    """Return ``target`` if it is a local path ("/x", not "//x", "/\\x", or any URL), else "/"."""
    if (not target or not target.startswith("/") or target[1:2] in ("/", "\\") or "\\" in target
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


class EdgeSSO:
    """edge-sso sign-in for a Flask app. Settings not given here are read in ``init_app``
    from ``app.config`` as ``EDGE_SSO_ISSUER``, ``EDGE_SSO_CLIENT_ID``, ``EDGE_SSO_CLIENT_SECRET``,
    ``EDGE_SSO_CLIENT_SECRETS``, ``EDGE_SSO_ALGORITHM``, ``EDGE_SSO_REDIRECT_URI`` and
    ``EDGE_SSO_POST_LOGOUT_REDIRECT_URI``.

    HS256 apps give their client secret; during a rotation, ``client_secrets`` (or
    ``EDGE_SSO_CLIENT_SECRETS``: a list, or one string separated by commas or spaces) lists the
    new and the previous secret, and a token verifying with any of them is accepted. Without a
    secret, the token must be RS256 or ES256, as the issuer's JWKS key for its ``kid`` declares
    (never HS256); ``algorithm`` pins one."""

    def __init__(self, app: Optional[Flask] = None, *, issuer: Optional[str] = None, client_id: Optional[str] = None,
                 client_secret: Optional[str] = None, client_secrets: Union[Sequence[str], str, None] = None,
                 algorithm: Optional[str] = None,
                 redirect_uri: Optional[str] = None, post_logout_redirect_uri: Optional[str] = None,
                 jwks_uri: Optional[str] = None, leeway: float = 30.0, replay_cache: Optional[ReplayCache] = None,
                 jwks_refetch_interval: float = 60.0, http_timeout: float = 5.0, login_path: str = "/login",
                 callback_path: str = "/sso/callback", logout_path: str = "/logout") -> None:
        self.issuer, self.client_id, self.client_secret, self.algorithm = issuer, client_id, client_secret, algorithm
        self.client_secrets: Union[Sequence[str], str, None] = client_secrets
        self.secrets: list[str] = []
        self.redirect_uri, self.post_logout_redirect_uri, self.jwks_uri = redirect_uri, post_logout_redirect_uri, jwks_uri
        self.leeway = leeway
        self.replay_cache: ReplayCache = replay_cache or InMemoryReplayCache()
        self.jwks_refetch_interval, self.http_timeout = jwks_refetch_interval, http_timeout
        self.paths = {"login": login_path, "callback": callback_path, "logout": logout_path}
        self.jwks: Optional[JWKSCache] = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Validate the settings and register the ``edge_sso`` blueprint on ``app``."""
        for name in ("issuer", "client_id", "client_secret", "client_secrets", "algorithm", "redirect_uri",
                     "post_logout_redirect_uri"):
            if getattr(self, name) is None:
                setattr(self, name, app.config.get("EDGE_SSO_" + name.upper()))
        if not self.issuer or not self.client_id:
            raise ValueError("edge-sso: issuer and client_id are required")
        self.issuer = self.issuer.rstrip("/")
        self.secrets = _secret_list(self.client_secret, self.client_secrets)
        self.algorithm = (self.algorithm or ("HS256" if self.secrets else "")).upper() or None
        if self.algorithm == "HS256" and not self.secrets:
            raise ValueError("edge-sso: HS256 needs the app's client_secret")
        if self.algorithm not in (None, "HS256", "RS256", "ES256"):
            raise ValueError("edge-sso: algorithm must be HS256 (with client_secret), RS256 or ES256")
        if self.algorithm != "HS256":
            self.jwks = JWKSCache(self.jwks_uri or f"{self.issuer}/.well-known/jwks.json", self.algorithm,
                                  refetch_interval=self.jwks_refetch_interval, timeout=self.http_timeout)
        bp = Blueprint("edge_sso", __name__)
        bp.add_url_rule(self.paths["login"], "login", self._login, methods=["GET"])
        bp.add_url_rule(self.paths["callback"], "callback", self._callback, methods=["GET", "POST"])
        bp.add_url_rule(self.paths["logout"], "logout", self._logout, methods=["GET", "POST"])
        app.register_blueprint(bp)
        app.extensions["edge_sso"] = self

    @property
    def current_user(self) -> Optional[dict[str, Any]]:
        """The signed-in user's verified token claims (``email``, ``name``, ``groups``…), or None."""
        return session.get(USER_KEY)

    # --- routes -------------------------------------------------------------------------
    def _login(self) -> Response:
        """Start a sign-in: fresh single-use state in the session, then off to the IdP."""
        state = secrets.token_urlsafe(32)
        session[_STATE_KEY] = state
        session[_NEXT_KEY] = safe_next(request.args.get("next"))
        query = urlencode({"redirect_uri": self.redirect_uri or url_for("edge_sso.callback", _external=True),
                           "state": state})
        return _no_store(redirect(f"{self.issuer}/sso/jwt/{quote(self.client_id, safe='')}?{query}"))

    def _callback(self) -> Response:
        """Finish a sign-in (GET: ``query`` mode, POST: ``form_post`` mode).

        With ``form_post`` the IdP's page POSTs cross-site, so browsers do not send the
        SameSite=Lax session cookie and the state cannot be checked. In that case (and only
        once, marked by a hidden field) we answer with a page that re-POSTs the same fields
        to this URL from our own origin: a same-site request, which carries the cookie.
        """
        params = request.form if request.method == "POST" else request.args
        if request.method == "POST" and _STATE_KEY not in session and _REPOST_FIELD not in params:
            fields = [(k, params[k]) for k in ("id_token", "state") if k in params] + [(_REPOST_FIELD, "1")]
            page = render_template_string(_REPOST_PAGE, action=request.script_root + request.path, fields=fields)
            return _no_store(Response(page, headers={"Referrer-Policy": "no-referrer"}))
        try:
            expected = session.pop(_STATE_KEY, None)  # single use: gone whatever happens next
            next_url = safe_next(session.pop(_NEXT_KEY, None))
            state, token = params.get("state", ""), params.get("id_token", "")
            if not expected:
                raise SSOError("No sign-in is in progress in this browser (it was already completed, "
                               "or cookies are blocked).")
            if not state or not hmac.compare_digest(state.encode(), expected.encode()):
                raise SSOError("The sign-in response's state is missing or does not match this browser's sign-in.")
            if not token:
                raise SSOError("The sign-in response carries no id_token.")
            claims = self.verify_token(token)
        except SSOError as err:
            return self._error(err)
        except Exception as exc:  # noqa: BLE001 - never a 500 or a traceback on this page
            current_app.logger.exception("edge-sso: unexpected error in the sign-in callback")
            return self._error(SSOError(f"The sign-in could not be completed ({type(exc).__name__})."))
        session.clear()  # Flask's cookie session has no id: clearing and rewriting it is the rotation
        session[USER_KEY] = claims
        return _no_store(redirect(next_url))

    def _logout(self) -> Response:
        """Forget the user locally, then end the IdP session too."""
        session.clear()
        query = urlencode({"client_id": self.client_id,
                           "redirect_uri": self.post_logout_redirect_uri or request.url_root})
        return _no_store(redirect(f"{self.issuer}/sso/logout?{query}"))

    # --- verification -------------------------------------------------------------------
    def verify_token(self, token: str) -> dict[str, Any]:
        """Verify an id_token (pinned algorithm, signature, iss, aud, exp, iat, nbf, jti
        single use) and return its claims; raise SSOError (400/401/503) otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise SSOError(f"The id_token is not a well-formed JWT ({exc}).") from exc
        alg = header.get("alg")
        accepted = self.algorithm or "RS256 or ES256"
        if alg != self.algorithm and (self.algorithm is not None or alg not in _KEY_TYPES):
            raise SSOError(f"The id_token is signed with {alg!r}, but this app accepts only {accepted}.", 401)
        if self.jwks is None:
            keys: list[Any] = [secret.encode("utf-8") for secret in self.secrets]
        else:
            kid = header.get("kid")
            if not isinstance(kid, str) or not kid:
                raise SSOError("The id_token has no key id (kid).", 401)
            key_alg, key = self.jwks.get_key_and_alg(kid)
            if alg != key_alg:  # the key decides: an RSA key never verifies an ES256 token, nor the reverse
                raise SSOError(f"The id_token is signed with {alg!r}, but its key {kid!r} is a {key_alg} key.", 401)
            keys = [key]
        try:
            claims = self._decode(token, keys, alg)
        except jwt.ExpiredSignatureError as exc:
            raise SSOError("The id_token has expired; please sign in again.", 401) from exc
        except (jwt.PyJWTError, TypeError, ValueError) as exc:
            raise SSOError(f"The id_token was refused: {exc}.", 401) from exc
        iat, exp, jti = claims.get("iat"), claims.get("exp"), claims.get("jti")
        if not isinstance(iat, (int, float)) or iat > time.time() + self.leeway:
            raise SSOError("The id_token's issue time (iat) is invalid or in the future.", 401)
        if not isinstance(jti, str) or not jti or not isinstance(claims.get("sub"), str):
            raise SSOError("The id_token's jti or sub claim is invalid.", 401)
        if not self.replay_cache.add(jti, float(exp) + self.leeway):
            raise SSOError("This id_token was already used (replayed jti).", 401)
        return claims

    def _decode(self, token: str, keys: list[Any], alg: str) -> dict[str, Any]:
        """Decode with the first key whose signature matches (several only during a secret rotation)."""
        for i, key in enumerate(keys):
            try:
                return jwt.decode(token, key, algorithms=[alg], audience=self.client_id, issuer=self.issuer,
                                  leeway=self.leeway, options={"require": _REQUIRED_CLAIMS, "verify_iat": True})
            except jwt.InvalidSignatureError:
                if i == len(keys) - 1:
                    raise
        raise jwt.InvalidSignatureError("no key to verify with")

    def _error(self, err: SSOError) -> Response:
        current_app.logger.warning("edge-sso sign-in refused (%d): %s", err.status, err.message)
        page = render_template_string(_ERROR_PAGE, message=err.message, login_url=url_for("edge_sso.login"))
        return _no_store(Response(page, status=err.status, mimetype="text/html"))


def _secret_list(secret: Optional[str], secrets: Union[Sequence[str], str, None]) -> list[str]:
    """The secrets to try, in order, without blanks or repeats: ``secrets`` then ``secret``."""
    if isinstance(secrets, str):
        secrets = secrets.replace(",", " ").split()
    found: list[str] = []
    for value in [*(secrets or []), secret]:
        value = str(value).strip() if value is not None else ""
        if value and value not in found:
            found.append(value)
    return found


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def login_required(view: F) -> F:
    """Decorate a view: when nobody is signed in, redirect to ``/login?next=<this path>``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if session.get(USER_KEY) is None:
            target = request.script_root + request.path
            if request.query_string:
                target += "?" + request.query_string.decode("latin-1")
            return redirect(url_for("edge_sso.login", next=target))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
