"""Unit tests for the edge-sso Flask kit.

Run from the repository root (Debian's python3 has Flask, PyJWT and cryptography):

    /usr/bin/python3 -m unittest discover -s examples/flask/tests -v
"""
from __future__ import annotations

import base64
import json
import os
import sys
import threading
import time
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Flask, session

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from edge_sso import USER_KEY, EdgeSSO, login_required, safe_next  # noqa: E402

ISSUER = "http://idp.test"
CLIENT_ID = "app_123"
SECRET = "s3cret-client-secret-for-tests"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_KEY_2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(algo: Any, key: Any, kid: str, alg: str) -> dict[str, Any]:
    data = json.loads(algo.to_jwk(key.public_key()))
    data.update(kid=kid, alg=alg, use="sig")
    return data


class JWKSServer:
    """A real HTTP JWKS endpoint on 127.0.0.1 counting its fetches."""

    def __init__(self) -> None:
        self.keys = [_jwk(jwt.algorithms.RSAAlgorithm, RSA_KEY, "rsa-1", "RS256"),
                     _jwk(jwt.algorithms.ECAlgorithm, EC_KEY, "ec-1", "ES256")]
        self.fetches = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.fetches += 1
                body = json.dumps({"keys": outer.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


SERVER: Optional[JWKSServer] = None


def setUpModule() -> None:
    global SERVER
    SERVER = JWKSServer()


def tearDownModule() -> None:
    assert SERVER is not None
    SERVER.close()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    data: dict[str, Any] = {"iss": ISSUER, "sub": "user_1", "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                            "jti": uuid.uuid4().hex, "auth_time": now, "email": "ada@example.com",
                            "email_verified": True, "name": "Ada <Lovelace>", "groups": ["admins", "staff"]}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def mint(alg: str = "HS256", key: Any = None, kid: Optional[str] = None, **overrides: Any) -> str:
    if key is None:
        key = {"HS256": SECRET, "RS256": RSA_KEY, "ES256": EC_KEY}[alg]
    if kid is None and alg in ("RS256", "ES256"):
        kid = {"RS256": "rsa-1", "ES256": "ec-1"}[alg]
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims(**overrides), key, algorithm=alg, headers=headers)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_app(algorithm: str = "HS256", **kwargs: Any) -> tuple[Flask, EdgeSSO]:
    app = Flask(__name__)
    app.secret_key = "test-secret"
    assert SERVER is not None
    options: dict[str, Any] = dict(issuer=ISSUER + "/", client_id=CLIENT_ID, algorithm=algorithm,
                                   client_secret=SECRET if algorithm == "HS256" else None, jwks_uri=SERVER.url)
    options.update(kwargs)
    sso = EdgeSSO(app, **options)

    @app.route("/")
    def home() -> str:
        return "home"

    @app.route("/profile")
    @login_required
    def profile() -> str:
        return "profile of " + sso.current_user["email"]  # type: ignore[index]

    return app, sso


class Base(unittest.TestCase):
    algorithm = "HS256"

    def setUp(self) -> None:
        self.app, self.sso = make_app(self.algorithm)
        self.client = self.app.test_client()

    def start_login(self, next_path: Optional[str] = None, client: Any = None) -> str:
        client = client or self.client
        resp = client.get("/login", query_string={"next": next_path} if next_path else None)
        self.assertEqual(resp.status_code, 302)
        return parse_qs(urlsplit(resp.headers["Location"]).query)["state"][0]

    def callback(self, token: Optional[str], state: Optional[str], post: bool = False, client: Any = None) -> Any:
        client = client or self.client
        fields = {k: v for k, v in (("id_token", token), ("state", state)) if v is not None}
        if post:
            return client.post("/sso/callback", data=fields)
        return client.get("/sso/callback", query_string=fields)

    def assert_refused(self, resp: Any, status: Optional[int] = None) -> None:
        self.assertGreaterEqual(resp.status_code, 400)
        self.assertLess(resp.status_code, 500)
        if status:
            self.assertEqual(resp.status_code, status)
        body = resp.get_data(as_text=True)
        self.assertIn("Sign-in failed", body)
        self.assertIn('href="/login"', body)
        self.assertNotIn("Traceback", body)
        with self.client.session_transaction() as s:
            self.assertNotIn(USER_KEY, s)

    def sign_in(self, token: str, post: bool = False) -> Any:
        state = self.start_login()
        return self.callback(token, state, post=post)

    def refuse(self, token: str, status: Optional[int] = None, reason: str = "") -> Any:
        self.client = self.app.test_client()  # a browser with no earlier sign-in
        with self.assertLogs(self.app.logger, "WARNING") as logs:
            resp = self.sign_in(token)
        self.assertIn(reason, logs.output[-1])
        self.assert_refused(resp, status)
        return resp


class AcceptTests(Base):
    def check_accepts(self, alg: str, post: bool) -> None:
        self.app, self.sso = make_app(alg)
        self.client = self.app.test_client()
        state = self.start_login("/profile?tab=1")
        resp = self.callback(mint(alg), state, post=post)
        self.assertEqual(resp.status_code, 302, resp.get_data(as_text=True))
        self.assertEqual(resp.headers["Location"], "/profile?tab=1")
        with self.client.session_transaction() as s:
            self.assertEqual(s[USER_KEY]["email"], "ada@example.com")
            self.assertEqual(s[USER_KEY]["groups"], ["admins", "staff"])
            self.assertNotIn("edge_sso_state", s)
        self.assertEqual(self.client.get("/profile").get_data(as_text=True), "profile of ada@example.com")

    def test_hs256_query(self) -> None:
        self.check_accepts("HS256", post=False)

    def test_hs256_form_post(self) -> None:
        self.check_accepts("HS256", post=True)

    def test_rs256_query(self) -> None:
        self.check_accepts("RS256", post=False)

    def test_rs256_form_post(self) -> None:
        self.check_accepts("RS256", post=True)

    def test_es256_query(self) -> None:
        self.check_accepts("ES256", post=False)

    def test_es256_form_post(self) -> None:
        self.check_accepts("ES256", post=True)

    def test_list_audience_and_nbf_in_past(self) -> None:
        resp = self.sign_in(mint(aud=["other", CLIENT_ID], nbf=int(time.time()) - 10))
        self.assertEqual(resp.status_code, 302)

    def test_small_clock_skew_within_leeway(self) -> None:
        now = int(time.time())
        resp = self.sign_in(mint(iat=now + 10, nbf=now + 10, exp=now - 10))
        self.assertEqual(resp.status_code, 302)

    def test_form_post_without_session_cookie_reposts_same_site(self) -> None:
        """Cross-site form_post: the Lax cookie is missing, so the kit re-POSTs from its own origin."""
        state = self.start_login("/profile")
        token = mint()
        cookieless = self.app.test_client()
        resp = self.callback(token, state, post=True, client=cookieless)
        self.assertEqual(resp.status_code, 200)
        page = resp.get_data(as_text=True)
        self.assertIn('method="post" action="/sso/callback"', page)
        self.assertIn(f'name="id_token" value="{token}"', page)
        self.assertIn(f'name="state" value="{state}"', page)
        self.assertIn('name="edge_sso_repost" value="1"', page)
        self.assertEqual(resp.headers["Cache-Control"], "no-store")
        # the browser re-submits the form from our origin: now the session cookie is sent
        resp = self.client.post("/sso/callback", data={"id_token": token, "state": state, "edge_sso_repost": "1"})
        self.assertEqual(resp.status_code, 302)
        self.assertEqual(resp.headers["Location"], "/profile")

    def test_repost_happens_only_once(self) -> None:
        cookieless = self.app.test_client()
        with self.assertLogs(self.app.logger, "WARNING"):
            resp = cookieless.post("/sso/callback", data={"id_token": mint(), "state": "x", "edge_sso_repost": "1"})
        self.assertEqual(resp.status_code, 400)

    def test_key_rotation_refetches_jwks(self) -> None:
        assert SERVER is not None
        self.app, self.sso = make_app("RS256")
        self.client = self.app.test_client()
        self.assertEqual(self.sign_in(mint("RS256")).status_code, 302)
        SERVER.keys.append(_jwk(jwt.algorithms.RSAAlgorithm, RSA_KEY_2, "rsa-2", "RS256"))
        try:
            before = SERVER.fetches
            self.assertEqual(self.sign_in(mint("RS256", key=RSA_KEY_2, kid="rsa-2")).status_code, 302)
            self.assertEqual(SERVER.fetches, before + 1)
        finally:
            SERVER.keys.pop()


class RefuseTests(Base):
    def test_wrong_key(self) -> None:
        self.refuse(mint(key="not-the-secret-but-long-enough-1234"), 401, "Signature verification failed")

    def test_alg_none(self) -> None:
        head = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        self.refuse(f"{head}.{b64(json.dumps(claims()).encode())}.", 401, "signed with 'none'")

    def test_expired(self) -> None:
        self.refuse(mint(iat=int(time.time()) - 600, exp=int(time.time()) - 60), 401, "expired")

    def test_not_yet_valid_nbf(self) -> None:
        self.refuse(mint(nbf=int(time.time()) + 120), 401, "(nbf)")

    def test_iat_in_future(self) -> None:
        self.refuse(mint(iat=int(time.time()) + 120), 401, "(iat)")

    def test_wrong_audience(self) -> None:
        self.refuse(mint(aud="someone_else"), 401, "Invalid audience")

    def test_wrong_issuer(self) -> None:
        self.refuse(mint(iss="http://evil.test"), 401, "Invalid issuer")
        self.refuse(mint(iss=ISSUER + "/"), 401, "Invalid issuer")

    def test_missing_claims(self) -> None:
        for claim in ("jti", "sub", "exp", "iat", "aud", "iss"):
            with self.subTest(claim=claim):
                self.refuse(mint(**{claim: None}), 401, f'missing the "{claim}" claim')

    def test_garbage_token(self) -> None:
        self.refuse("not-a-jwt", 400)

    def test_missing_token(self) -> None:
        self.refuse(None, 400)  # type: ignore[arg-type]

    def test_missing_state(self) -> None:
        self.start_login()
        with self.assertLogs(self.app.logger, "WARNING"):
            self.assert_refused(self.callback(mint(), None), 400)

    def test_wrong_state(self) -> None:
        self.start_login()
        with self.assertLogs(self.app.logger, "WARNING"):
            self.assert_refused(self.callback(mint(), "forged-state"), 400)

    def test_no_login_in_progress(self) -> None:
        with self.assertLogs(self.app.logger, "WARNING"):
            self.assert_refused(self.callback(mint(), "some-state"), 400)

    def test_state_replayed(self) -> None:
        state = self.start_login()
        self.assertEqual(self.callback(mint(), state).status_code, 302)
        with self.assertLogs(self.app.logger, "WARNING"):
            resp = self.callback(mint(), state)
        self.assertEqual(resp.status_code, 400)

    def test_state_consumed_by_failed_attempt(self) -> None:
        state = self.start_login()
        with self.assertLogs(self.app.logger, "WARNING"):
            self.callback(mint(aud="nope"), state)
            self.assert_refused(self.callback(mint(), state), 400)

    def test_jti_replayed(self) -> None:
        token = mint()
        self.assertEqual(self.sign_in(token).status_code, 302)
        self.refuse(token, 401, "replayed jti")

    def test_error_page_escapes_and_has_no_traceback(self) -> None:
        resp = self.refuse(mint(alg="HS384", key=SECRET), 401)
        self.assertEqual(resp.mimetype, "text/html")
        self.assertIn("&#39;HS384&#39;", resp.get_data(as_text=True))


class AsymmetricRefuseTests(Base):
    algorithm = "RS256"

    def test_hs256_with_public_key_as_secret(self) -> None:
        """Key confusion: an HS256 token keyed with the RSA public key PEM."""
        pem = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)
        head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
        body = b64(json.dumps(claims()).encode())
        import hashlib
        import hmac
        sig = b64(hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest())
        self.refuse(f"{head}.{body}.{sig}", 401, "signed with 'HS256'")

    def test_hs256_with_secret_refused_when_rs256(self) -> None:
        self.refuse(mint("HS256"), 401, "accepts only RS256")

    def test_es256_refused_when_rs256(self) -> None:
        self.refuse(mint("ES256", kid="rsa-1"), 401)

    def test_wrong_rsa_key_same_kid(self) -> None:
        self.refuse(mint("RS256", key=OTHER_RSA), 401, "Signature verification failed")

    def test_missing_kid(self) -> None:
        self.refuse(jwt.encode(claims(), RSA_KEY, algorithm="RS256"), 401)

    def test_unknown_kid_refetches_once(self) -> None:
        assert SERVER is not None
        self.assertEqual(self.sign_in(mint("RS256")).status_code, 302)  # keys loaded
        before = SERVER.fetches
        self.refuse(mint("RS256", key=OTHER_RSA, kid="unknown-1"), 401, "unknown key")
        self.assertEqual(SERVER.fetches, before + 1)
        self.refuse(mint("RS256", key=OTHER_RSA, kid="unknown-2"), 401, "unknown key")  # rate-limited: no new fetch
        self.assertEqual(SERVER.fetches, before + 1)
        self.assertEqual(self.sign_in(mint("RS256")).status_code, 302)  # known kids still work

    def test_unknown_kid_on_first_use_fetches_once(self) -> None:
        assert SERVER is not None
        before = SERVER.fetches
        self.refuse(mint("RS256", key=OTHER_RSA, kid="unknown-1"), 401, "unknown key")
        self.assertEqual(SERVER.fetches, before + 1)

    def test_jwks_unreachable_is_503(self) -> None:
        self.app, self.sso = make_app("RS256", jwks_uri="http://127.0.0.1:9/jwks.json", http_timeout=2)
        self.client = self.app.test_client()
        with self.assertLogs(self.app.logger, "WARNING"):
            resp = self.sign_in(mint("RS256"))
        self.assertEqual(resp.status_code, 503)
        self.assertIn("could not be reached", resp.get_data(as_text=True))
        self.assertNotIn("Traceback", resp.get_data(as_text=True))


class FlowTests(Base):
    def test_login_redirects_to_sso_url(self) -> None:
        resp = self.client.get("/login")
        self.assertEqual(resp.status_code, 302)
        url = urlsplit(resp.headers["Location"])
        self.assertEqual(f"{url.scheme}://{url.netloc}{url.path}", f"{ISSUER}/sso/jwt/{CLIENT_ID}")
        query = parse_qs(url.query)
        self.assertEqual(query["redirect_uri"], ["http://localhost/sso/callback"])
        self.assertGreaterEqual(len(query["state"][0]), 32)
        with self.client.session_transaction() as s:
            self.assertEqual(s["edge_sso_state"], query["state"][0])
        self.assertNotEqual(self.start_login(), query["state"][0])  # fresh state each time

    def test_explicit_redirect_uri(self) -> None:
        self.app, self.sso = make_app(redirect_uri="https://app.example.com/sso/callback")
        resp = self.app.test_client().get("/login")
        query = parse_qs(urlsplit(resp.headers["Location"]).query)
        self.assertEqual(query["redirect_uri"], ["https://app.example.com/sso/callback"])

    def test_login_required_redirects_with_next(self) -> None:
        resp = self.client.get("/profile?a=1&b=2")
        self.assertEqual(resp.status_code, 302)
        url = urlsplit(resp.headers["Location"])
        self.assertEqual(url.path, "/login")
        self.assertEqual(parse_qs(url.query)["next"], ["/profile?a=1&b=2"])

    def test_next_only_local(self) -> None:
        for bad in ("//evil.com", "https://evil.com", "/\\evil.com", "evil.com", "/\t/evil.com",
                    "javascript:alert(1)", "///evil.com"):
            with self.subTest(next=bad):
                self.assertEqual(safe_next(bad), "/")
                state = self.start_login(bad)
                resp = self.callback(mint(), state)
                self.assertEqual(resp.status_code, 302)
                self.assertEqual(resp.headers["Location"], "/")
        self.assertEqual(safe_next("/a/b?c=//d"), "/a/b?c=//d")

    def test_session_rotated_on_sign_in(self) -> None:
        with self.client.session_transaction() as s:
            s["stale"] = "value"
        self.assertEqual(self.sign_in(mint()).status_code, 302)
        with self.client.session_transaction() as s:
            self.assertEqual(set(s.keys()), {USER_KEY})

    def test_logout(self) -> None:
        self.assertEqual(self.sign_in(mint()).status_code, 302)
        resp = self.client.get("/logout")
        self.assertEqual(resp.status_code, 302)
        url = urlsplit(resp.headers["Location"])
        self.assertEqual(f"{url.scheme}://{url.netloc}{url.path}", f"{ISSUER}/sso/logout")
        self.assertEqual(parse_qs(url.query), {"client_id": [CLIENT_ID], "redirect_uri": ["http://localhost/"]})
        with self.client.session_transaction() as s:
            self.assertEqual(dict(s), {})
        self.assertEqual(self.client.get("/profile").status_code, 302)

    def test_config_validation(self) -> None:
        with self.assertRaises(ValueError):
            EdgeSSO(Flask("x"), issuer=ISSUER, client_id=CLIENT_ID, algorithm="HS256")
        with self.assertRaises(ValueError):
            EdgeSSO(Flask("x"), issuer=ISSUER, client_id=CLIENT_ID, algorithm="HS256", client_secrets=[" ", ""])
        with self.assertRaises(ValueError):
            EdgeSSO(Flask("x"), issuer=ISSUER, client_id=CLIENT_ID, algorithm="none")
        app = Flask("x")
        app.config.update(EDGE_SSO_ISSUER=ISSUER, EDGE_SSO_CLIENT_ID=CLIENT_ID, EDGE_SSO_CLIENT_SECRET=SECRET)
        sso = EdgeSSO()
        sso.init_app(app)
        self.assertEqual(sso.algorithm, "HS256")


class SecretRotationTests(Base):
    """During an HS256 secret rotation the app lists the new and the previous secret."""

    NEW = "the-new-secret-after-rotation-0123456789"

    def use(self, **kwargs: Any) -> None:
        self.app, self.sso = make_app("HS256", **kwargs)
        self.client = self.app.test_client()

    def test_tokens_signed_with_either_secret_are_accepted(self) -> None:
        self.use(client_secret=None, client_secrets=[self.NEW, SECRET])
        for key in (SECRET, self.NEW):
            self.client = self.app.test_client()
            self.assertEqual(self.sign_in(mint("HS256", key=key)).status_code, 302)

    def test_a_secret_in_neither_slot_is_refused(self) -> None:
        self.use(client_secret=None, client_secrets=[self.NEW, SECRET])
        self.refuse(mint("HS256", key="some-other-secret-entirely-0123456789"), 401, "Signature verification failed")

    def test_only_the_current_secret_after_retirement(self) -> None:
        self.use(client_secret=self.NEW)
        self.refuse(mint("HS256", key=SECRET), 401, "Signature verification failed")

    def test_other_failures_are_not_hidden_by_trying_the_next_secret(self) -> None:
        self.use(client_secret=None, client_secrets=[self.NEW, SECRET])
        self.refuse(mint("HS256", key=SECRET, exp=int(time.time()) - 3600), 401, "expired")

    def test_secrets_from_config_as_a_list_or_a_string(self) -> None:
        for value in ([self.NEW, SECRET], f"{self.NEW}, {SECRET}", f"{self.NEW} {SECRET}"):
            app = Flask("cfg")
            app.config.update(EDGE_SSO_ISSUER=ISSUER, EDGE_SSO_CLIENT_ID=CLIENT_ID, EDGE_SSO_CLIENT_SECRETS=value)
            sso = EdgeSSO()
            sso.init_app(app)
            self.assertEqual(sso.algorithm, "HS256")
            self.assertEqual(sso.secrets, [self.NEW, SECRET])
            with app.test_request_context():
                self.assertEqual(sso.verify_token(mint("HS256", key=SECRET))["sub"], "user_1")
                self.assertEqual(sso.verify_token(mint("HS256", key=self.NEW))["sub"], "user_1")


class AlgorithmFromJWKSTests(Base):
    """No secret and no EDGE_SSO_ALGORITHM: the JWKS key for the token's kid decides, RS256 or ES256."""

    def setUp(self) -> None:
        self.app, self.sso = make_app(None, client_secret=None)  # type: ignore[arg-type]
        self.client = self.app.test_client()

    def test_algorithm_is_not_pinned(self) -> None:
        self.assertIsNone(self.sso.algorithm)

    def test_es256_and_rs256_tokens_are_accepted(self) -> None:
        for alg in ("ES256", "RS256"):
            self.client = self.app.test_client()
            resp = self.sign_in(mint(alg))
            self.assertEqual(resp.status_code, 302, resp.get_data(as_text=True))

    def test_hs256_is_never_accepted(self) -> None:
        self.refuse(mint("HS256"), 401, "accepts only RS256 or ES256")
        self.refuse(mint("HS256", kid="rsa-1"), 401, "accepts only RS256 or ES256")

    def test_the_key_decides_the_algorithm(self) -> None:
        """An RS256 header on the EC key's kid (or the reverse) is refused, whatever the signature."""
        self.refuse(mint("RS256", kid="ec-1"), 401, "is a ES256 key")
        self.refuse(mint("ES256", kid="rsa-1"), 401, "is a RS256 key")

    def test_alg_none_is_refused(self) -> None:
        head = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "ec-1"}).encode())
        body = b64(json.dumps(claims()).encode())
        self.refuse(f"{head}.{body}.", 401, "accepts only RS256 or ES256")

    def test_pinning_still_wins(self) -> None:
        self.app, self.sso = make_app("RS256")
        self.client = self.app.test_client()
        self.refuse(mint("ES256"), 401, "accepts only RS256")
        self.client = self.app.test_client()
        self.assertEqual(self.sign_in(mint("RS256")).status_code, 302)

    def test_es256_demo_app_works_without_algorithm(self) -> None:
        assert SERVER is not None
        import app as demo  # noqa: E402 - the demo next to the kit
        application = demo.create_app({"EDGE_SSO_CLIENT_ID": CLIENT_ID, "EDGE_SSO_ISSUER": ISSUER,
                                       "FLASK_SECRET_KEY": "x" * 32})
        sso: EdgeSSO = application.extensions["edge_sso"]
        self.assertIsNone(sso.algorithm)
        sso.jwks.url = SERVER.url  # type: ignore[union-attr]
        with application.test_request_context():
            self.assertEqual(sso.verify_token(mint("ES256"))["sub"], "user_1")


class DemoAppTests(unittest.TestCase):
    def setUp(self) -> None:
        import app as demo
        self.app = demo.create_app({"EDGE_SSO_CLIENT_ID": CLIENT_ID, "EDGE_SSO_CLIENT_SECRET": SECRET,
                                    "EDGE_SSO_ISSUER": ISSUER, "FLASK_SECRET_KEY": "k"})
        self.client = self.app.test_client()

    def test_signed_out_then_in_then_out(self) -> None:
        self.assertIn(">Sign in<", self.client.get("/").get_data(as_text=True))
        resp = self.client.get("/profile")
        self.assertEqual(urlsplit(resp.headers["Location"]).path, "/login")
        resp = self.client.get(resp.headers["Location"])
        self.assertTrue(resp.headers["Location"].startswith(f"{ISSUER}/sso/jwt/{CLIENT_ID}?"))
        state = parse_qs(urlsplit(resp.headers["Location"]).query)["state"][0]
        resp = self.client.get("/sso/callback", query_string={"id_token": mint(), "state": state})
        self.assertEqual(resp.headers["Location"], "/profile")
        page = self.client.get("/profile").get_data(as_text=True)
        self.assertIn("ada@example.com", page)
        self.assertIn("Ada &lt;Lovelace&gt;", page)
        self.assertIn("<li>admins</li>", page)
        self.assertIn(">Sign out<", self.client.get("/").get_data(as_text=True))
        self.assertEqual(self.client.get("/logout").status_code, 302)
        self.assertEqual(self.client.get("/profile").status_code, 302)

    def test_cookie_settings(self) -> None:
        self.assertEqual(self.app.config["SESSION_COOKIE_SAMESITE"], "Lax")
        self.assertFalse(self.app.config["SESSION_COOKIE_SECURE"])


if __name__ == "__main__":
    unittest.main()
