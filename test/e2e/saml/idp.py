"""A SAML identity provider for the e2e tests: pysaml2 (Debian python3-pysaml2, with xmlsec1)
parses edge-sso's AuthnRequests (and, when WANT_SIGNED is on, verifies their signatures: the
query's SigAlg/Signature for HTTP-Redirect, the enveloped one for HTTP-POST), shows a login form
and answers with a signed assertion posted to the SP's ACS. Signed with a throw-away key.

Environment: PORT, SP_METADATA_URLS (edge-sso's SP metadata, one URL per source, comma-separated,
read at each request; the first is the SP of /unsolicited),
ACCOUNTS (JSON: username -> {password, mail, givenName, sn, displayName, isMemberOf}),
WANT_SIGNED ("1": refuse unsigned AuthnRequests).
Routes: /metadata, /sso/redirect (GET), /sso/post (POST), /login (POST, the form),
/unsolicited (GET: the login form for an IdP-initiated response), /replay (GET: the last
response posted again, as an attacker holding it would), /requests (JSON: what it verified).
"""
import base64
import html
import json
import os
import secrets
import sys
import tempfile
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.authn_context import PASSWORD
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.sigver import verify_redirect_signature
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from keys import self_signed

PORT = int(os.environ["PORT"])
BASE = f"http://127.0.0.1:{PORT}"
SP_METADATA_URLS = os.environ["SP_METADATA_URLS"].split(",")
ACCOUNTS = json.loads(os.environ["ACCOUNTS"])
WANT_SIGNED = os.environ.get("WANT_SIGNED") == "1"
WORK = tempfile.mkdtemp(prefix="edge-sso-idp-")


KEY_FILE, CERT_FILE = self_signed(WORK, "pysaml2 test IdP", "idp")


def idp_server(with_sp=True, want_signed=WANT_SIGNED):
    """A pysaml2 Server; with_sp reads edge-sso's SP metadata (absent until the source exists).
    want_signed makes pysaml2 require an enveloped signature: HTTP-Redirect requests carry theirs
    in the query instead, so they are parsed without it and checked by verify_redirect_signature."""
    local = []
    for n, url in enumerate(SP_METADATA_URLS if with_sp else []):
        try:
            with urllib.request.urlopen(url, timeout=10) as res:
                xml = res.read()
        except OSError:
            continue  # that source does not exist yet
        path = os.path.join(WORK, f"sp{n}.xml")
        with open(path, "wb") as f:
            f.write(xml)
        local.append(path)
    config = IdPConfig()
    config.load({
        "entityid": f"{BASE}/metadata",
        "key_file": KEY_FILE,
        "cert_file": CERT_FILE,
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {"local": local},
        "service": {"idp": {
            "name": "pysaml2 test IdP",
            "endpoints": {"single_sign_on_service": [(f"{BASE}/sso/redirect", BINDING_HTTP_REDIRECT), (f"{BASE}/sso/post", BINDING_HTTP_POST)]},
            "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None, "name_form": NAME_FORMAT_URI}},
            "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            "want_authn_requests_signed": want_signed,
        }},
    })
    return Server(config=config)


# Requests waiting for the login form (key -> request details), what was verified, the last answer.
PENDING = {}
SEEN = []
LAST = {}


def sp_certificate(server, sp_entity_id):
    """The SP's signing certificate from its metadata (never from the message)."""
    certificates = server.metadata.certs(sp_entity_id, "spsso", "signing")
    return certificates[0] if certificates else None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("idp: " + fmt % args + "\n")

    def send(self, status, body, content_type="text/html; charset=utf-8"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def login_form(self, key, sp_entity_id):
        return self.send(200, (
            "<!doctype html><title>pysaml2 IdP</title><h1>Sign in to the pysaml2 IdP</h1>"
            f"<p>for {html.escape(sp_entity_id)}</p>"
            '<form method="post" action="/login">'
            f'<input type="hidden" name="key" value="{html.escape(key)}">'
            '<label>Username <input name="username"></label>'
            '<label>Password <input name="password" type="password"></label>'
            "<button>Sign in</button></form>"
        ))

    def authn_request(self, binding, fields):
        """Parses (and, when required, verifies) an AuthnRequest; returns the login form or a 400."""
        server = idp_server(want_signed=WANT_SIGNED and binding == BINDING_HTTP_POST)
        try:
            parsed = server.parse_authn_request(fields["SAMLRequest"], binding)
            request = parsed.message
            signed = "no"
            if binding == BINDING_HTTP_REDIRECT and "Signature" in fields:
                cert = sp_certificate(server, request.issuer.text)
                if not cert or not verify_redirect_signature(fields, server.sec.sec_backend, cert=cert):
                    raise ValueError("the redirect signature does not verify with the SP's metadata certificate")
                signed = "redirect"
            elif binding == BINDING_HTTP_POST and request.signature is not None:
                signed = "post"  # parse_authn_request verified it (must=WANT_SIGNED) against the metadata
            if WANT_SIGNED and signed == "no":
                raise ValueError("unsigned AuthnRequest")
        except Exception as error:  # the page says why pysaml2 refused the request
            SEEN.append({"verdict": f"refused: {type(error).__name__}: {error}"})
            return self.send(400, f"<!doctype html><title>refused</title><h1>AuthnRequest refused</h1><p id=reason>{html.escape(str(error))}</p>")
        SEEN.append({"verdict": "valid", "signed": signed, "binding": binding, "id": request.id, "issuer": request.issuer.text,
                     "sig_alg": fields.get("SigAlg", "")})
        key = secrets.token_urlsafe(16)
        PENDING[key] = {"resp_args": server.response_args(request), "relay": fields.get("RelayState", ""), "sp": request.issuer.text}
        return self.login_form(key, request.issuer.text)

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/":
            return self.send(200, "<!doctype html><title>IdP</title><h1>pysaml2 IdP</h1>")
        if url.path == "/metadata":
            return self.send(200, create_metadata_string(None, idp_server(with_sp=False).config, sign=False).decode(), "application/samlmetadata+xml")
        if url.path == "/sso/redirect":
            return self.authn_request(BINDING_HTTP_REDIRECT, query)
        if url.path == "/unsolicited":
            server = idp_server()
            sp_entity_id = SP_METADATA_URLS[0]  # edge-sso's SP entity ID is its metadata URL
            acs = server.metadata.assertion_consumer_service(sp_entity_id, BINDING_HTTP_POST)[0]["location"]
            key = secrets.token_urlsafe(16)
            PENDING[key] = {"resp_args": {"destination": acs, "in_response_to": None, "sp_entity_id": sp_entity_id, "binding": BINDING_HTTP_POST}, "relay": "", "sp": sp_entity_id}
            return self.login_form(key, sp_entity_id)
        if url.path == "/replay":
            if not LAST:
                return self.send(404, "nothing to replay")
            return self.send(200, LAST["page"])
        if url.path == "/requests":
            return self.send(200, json.dumps(SEEN), "application/json")
        return self.send(404, "not found")

    def do_POST(self):
        path = urlparse(self.path).path
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()).items()}
        if path == "/sso/post":
            return self.authn_request(BINDING_HTTP_POST, form)
        if path != "/login":
            return self.send(404, "not found")
        pending = PENDING.pop(form.get("key", ""), None)
        account = ACCOUNTS.get(form.get("username", ""))
        if not pending or not account or not secrets.compare_digest(account["password"], form.get("password", "")):
            return self.send(401, "<!doctype html><title>IdP</title><h1>Wrong username or password</h1>")
        server = idp_server()
        identity = {k: (v if isinstance(v, list) else [v]) for k, v in account.items() if k != "password"}
        args = dict(pending["resp_args"])
        args.pop("binding", None)
        args.pop("name_id_policy", None)
        response = server.create_authn_response(
            identity,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"pysaml2-{form['username']}"),
            authn={"class_ref": PASSWORD, "authn_auth": BASE},
            sign_assertion=True,
            sign_response=False,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            **args,
        )
        http_args = server.apply_binding(BINDING_HTTP_POST, str(response), args["destination"], pending["relay"], response=True)
        LAST["page"] = http_args["data"]
        LAST["response"] = base64.b64encode(str(response).encode()).decode()
        return self.send(200, http_args["data"])


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
