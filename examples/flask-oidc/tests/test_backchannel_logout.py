"""Tests of the Authlib example's back-channel logout receiver (OIDC Back-Channel Logout 1.0, 2.6).

A real HTTP server on 127.0.0.1 plays edge-sso's discovery document and JWKS; logout tokens are
signed with keys made here. Run from the repository root (Debian's python3 has Authlib, Flask,
requests and cryptography):

    /usr/bin/python3 -m unittest discover -s examples/flask-oidc/tests -v
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from authlib.jose import JsonWebKey, JsonWebSignature
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from app import BACKCHANNEL_LOGOUT_EVENT, create_app  # noqa: E402

CLIENT_ID = "flask-oidc-test"
KEY = JsonWebKey.import_key(ec.generate_private_key(ec.SECP256R1()), {"kty": "EC", "kid": "ec-1"})
OTHER_KEY = JsonWebKey.import_key(ec.generate_private_key(ec.SECP256R1()), {"kty": "EC", "kid": "ec-1"})


class FakeProvider:
    """The discovery document and JWKS of an OpenID Provider, on a real local port."""

    def __init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/.well-known/openid-configuration":
                    body = outer.metadata()
                elif self.path == "/jwks":
                    body = {"keys": [dict(KEY.as_dict(is_private=False), alg="ES256", use="sig")]}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/oauth2/authorize",
            "token_endpoint": f"{self.issuer}/oauth2/token",
            "userinfo_endpoint": f"{self.issuer}/oauth2/userinfo",
            "end_session_endpoint": f"{self.issuer}/oauth2/logout",
            "jwks_uri": f"{self.issuer}/jwks",
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class BackchannelLogoutTest(unittest.TestCase):
    provider: FakeProvider

    @classmethod
    def setUpClass(cls) -> None:
        cls.provider = FakeProvider()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.provider.close()

    def setUp(self) -> None:
        self.app = create_app({"EDGE_SSO_ISSUER": self.provider.issuer, "EDGE_SSO_CLIENT_ID": CLIENT_ID,
                               "EDGE_SSO_CLIENT_SECRET": "secret", "FLASK_SECRET_KEY": "k" * 64})
        self.client = self.app.test_client()

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": self.provider.issuer, "aud": CLIENT_ID, "sub": "user-1", "iat": now, "exp": now + 120,
                  "jti": str(uuid.uuid4()), "events": {BACKCHANNEL_LOGOUT_EVENT: {}}}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, claims: dict[str, Any], key: Any = KEY, header: dict[str, Any] | None = None) -> str:
        # JWS directly: Authlib's JWT encoder would set typ to "JWT".
        head = {"alg": "ES256", "kid": "ec-1", "typ": "logout+jwt", **(header or {})}
        return JsonWebSignature(["ES256"]).serialize_compact(head, json.dumps(claims), key).decode()

    def post(self, token: str):
        return self.client.post("/backchannel-logout", data={"logout_token": token})

    def sign_in(self, sub: str = "user-1", at: float | None = None) -> None:
        with self.client.session_transaction() as s:
            s["user"] = {"sub": sub, "email": f"{sub}@example.com"}
            s["signed_in_at"] = time.time() - 5 if at is None else at

    def test_a_valid_logout_token_ends_the_users_earlier_session(self) -> None:
        self.sign_in()
        self.assertEqual(self.client.get("/profile").status_code, 200)
        res = self.post(self.token(self.claims()))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers["Cache-Control"], "no-store")
        profile = self.client.get("/profile")
        self.assertEqual(profile.status_code, 302)
        self.assertTrue(profile.headers["Location"].endswith("/login"))

    def test_other_users_and_later_sign_ins_are_untouched(self) -> None:
        self.assertEqual(self.post(self.token(self.claims(sub="user-2"))).status_code, 200)
        self.sign_in("user-1")
        self.assertEqual(self.client.get("/profile").status_code, 200)
        self.sign_in("user-2", at=time.time() + 1)
        self.assertEqual(self.client.get("/profile").status_code, 200)

    def test_a_replayed_jti_is_refused(self) -> None:
        token = self.token(self.claims())
        self.assertEqual(self.post(token).status_code, 200)
        self.assertEqual(self.post(token).status_code, 400)

    def test_tokens_that_are_not_valid_logout_tokens_are_refused_with_400(self) -> None:
        cases = {
            "wrong audience": self.token(self.claims(aud="another-app")),
            "wrong issuer": self.token(self.claims(iss="http://evil.test")),
            "expired": self.token(self.claims(iat=int(time.time()) - 600, exp=int(time.time()) - 300)),
            "no events": self.token(self.claims(events=None)),
            "another event": self.token(self.claims(events={"http://example.com/other": {}})),
            "a nonce (an ID token)": self.token(self.claims(nonce="n-1")),
            "no sub": self.token(self.claims(sub=None)),
            "no jti": self.token(self.claims(jti=None)),
            "another key": self.token(self.claims(), key=OTHER_KEY),
            "wrong typ": self.token(self.claims(), header={"typ": "JWT"}),
            "not a JWT": "not-a-jwt",
            "empty": "",
        }
        self.sign_in()
        for name, token in cases.items():
            with self.subTest(name):
                res = self.post(token)
                self.assertEqual(res.status_code, 400, res.get_data(as_text=True))
                self.assertEqual(res.get_json()["error"], "invalid_request")
        self.assertEqual(self.client.get("/profile").status_code, 200, "no refused token signed the user out")


if __name__ == "__main__":
    unittest.main()
