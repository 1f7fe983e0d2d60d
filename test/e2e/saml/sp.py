"""A SAML service provider for the e2e tests: pysaml2 (Debian python3-pysaml2, with xmlsec1)
signs its AuthnRequests (HTTP-Redirect) and verifies edge-sso's Responses; python3-onelogin-saml2
verifies the same Response independently. Pages show what each library concluded.

Environment: IDP_METADATA_URL, PORT, NAMEID_FORMAT (optional, asked for in NameIDPolicy).
Routes: /metadata (SP metadata, to register the app), /login (starts SP-initiated sign-in),
/acs (HTTP-POST assertion consumer service), / (health).
"""
import html
import os
import sys
import tempfile
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings

from keys import self_signed

PORT = int(os.environ["PORT"])
BASE = f"http://localhost:{PORT}"
IDP_METADATA_URL = os.environ["IDP_METADATA_URL"]
NAMEID_FORMAT = os.environ.get("NAMEID_FORMAT") or None
WORK = tempfile.mkdtemp(prefix="edge-sso-sp-")


KEY_FILE, CERT_FILE = self_signed(WORK, "pysaml2 test SP", "sp")


def fetch_idp_metadata():
    with urllib.request.urlopen(IDP_METADATA_URL, timeout=10) as res:
        return res.read().decode()


def pysaml2_client(idp_metadata):
    path = os.path.join(WORK, "idp.xml")
    with open(path, "w") as f:
        f.write(idp_metadata)
    config = SPConfig()
    config.load({
        "entityid": f"{BASE}/metadata",
        "key_file": KEY_FILE,
        "cert_file": CERT_FILE,
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {"local": [path]},
        "allow_unknown_attributes": True,
        "service": {"sp": {
            "name": "pysaml2 test SP",
            "endpoints": {"assertion_consumer_service": [(f"{BASE}/acs", BINDING_HTTP_POST)]},
            "authn_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "allow_unsolicited": True,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
        }},
    })
    return Saml2Client(config), config


# Requests this SP sent and has not seen answered: InResponseTo must name one of them.
OUTSTANDING = {}


def onelogin_check(idp_metadata, saml_response, request_id):
    idp = OneLogin_Saml2_IdPMetadataParser.parse(idp_metadata)["idp"]
    settings = OneLogin_Saml2_Settings({
        "strict": True,
        "sp": {"entityId": f"{BASE}/metadata", "assertionConsumerService": {"url": f"{BASE}/acs", "binding": BINDING_HTTP_POST}},
        "idp": idp,
        "security": {"wantAssertionsSigned": True, "rejectDeprecatedAlgorithm": True},
    }, sp_validation_only=True)
    response = OneLogin_Saml2_Response(settings, saml_response)
    request_data = {"https": "off", "http_host": "localhost", "server_port": str(PORT), "script_name": "/acs", "get_data": {}, "post_data": {"SAMLResponse": saml_response}}
    valid = response.is_valid(request_data, request_id=request_id)
    return valid, response.get_error(), response.get_nameid() if valid else None, response.get_attributes() if valid else {}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("sp: " + fmt % args + "\n")

    def send(self, status, body, content_type="text/html; charset=utf-8", headers=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/":
            return self.send(200, "<!doctype html><title>SP</title><h1>pysaml2 SP</h1>")
        if url.path == "/metadata":
            _, config = pysaml2_client(fetch_idp_metadata())
            return self.send(200, create_metadata_string(None, config, sign=False).decode(), "application/samlmetadata+xml")
        if url.path == "/login":
            client, _ = pysaml2_client(fetch_idp_metadata())
            relay = parse_qs(url.query).get("relay", ["relay-state-1"])[0]
            req_id, info = client.prepare_for_authenticate(
                relay_state=relay, binding=BINDING_HTTP_REDIRECT, sign=True, sigalg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256, nameid_format=NAMEID_FORMAT,
            )
            OUTSTANDING[req_id] = "/"
            location = dict(info["headers"])["Location"]
            return self.send(303, "", headers=[("Location", location)])
        return self.send(404, "not found")

    def do_POST(self):
        if urlparse(self.path).path != "/acs":
            return self.send(404, "not found")
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode())
        saml_response = form.get("SAMLResponse", [""])[0]
        relay = form.get("RelayState", [""])[0]
        idp_metadata = fetch_idp_metadata()
        client, _ = pysaml2_client(idp_metadata)
        rows = []
        try:
            parsed = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST, outstanding=dict(OUTSTANDING))
            in_response_to = parsed.in_response_to
            OUTSTANDING.pop(in_response_to, None)
            statement = parsed.assertion.authn_statement[0]
            rows += [
                ("pysaml2", "valid"),
                ("nameid", parsed.name_id.text),
                ("nameid-format", parsed.name_id.format),
                ("in-response-to", in_response_to or ""),
                ("authn-context", statement.authn_context.authn_context_class_ref.text),
                ("relay", relay),
            ]
            for name, values in sorted(parsed.ava.items()):
                rows.append((f"attr-{name}", ",".join(values)))
        except Exception as error:  # the page says why pysaml2 refused it
            in_response_to = None
            rows.append(("pysaml2", f"refused: {type(error).__name__}: {error}"))
        try:
            valid, error, nameid, _ = onelogin_check(idp_metadata, saml_response, in_response_to)
            rows.append(("onelogin", "valid" if valid else f"refused: {error}"))
            rows.append(("onelogin-nameid", nameid or ""))
        except Exception as error:
            rows.append(("onelogin", f"refused: {type(error).__name__}: {error}"))
        body = "".join(f'<dt>{html.escape(k)}</dt><dd id="{html.escape(k)}">{html.escape(v)}</dd>' for k, v in rows)
        return self.send(200, f"<!doctype html><title>SP</title><h1>Signed in</h1><dl>{body}</dl>")


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
