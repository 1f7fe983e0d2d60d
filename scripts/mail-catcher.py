#!/usr/bin/python3
"""A real local SMTP server that catches mail for development and tests (Debian python3-aiosmtpd).

Every message it accepts is written to FOLDER as <time>-<n>.eml (the bytes exactly as received),
and a line is appended to FOLDER/index.jsonl: {"file", "mail_from", "rcpt_tos", "at"}. Nothing is
relayed anywhere. With --auth user:password the server requires AUTH PLAIN/LOGIN (allowed
without TLS: it listens on loopback only).

With --tls-cert/--tls-key it offers TLS: STARTTLS (required before MAIL) or, with --implicit-tls,
TLS from the first byte as on port 465 (tests of the worker's TLS paths use these).

Usage: /usr/bin/python3 scripts/mail-catcher.py --port 2525 --dir .mail [--auth user:password]
       [--tls-cert cert.pem --tls-key key.pem [--implicit-tls]]
Prints "mail-catcher ready on 127.0.0.1:<port>" once it accepts connections.
"""
import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Catcher:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = "%s-%04d.eml" % (time.strftime("%Y%m%dT%H%M%S"), self.count)
        path = os.path.join(self.folder, name)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        # Written under a temporary name first, so a reader never sees half a message.
        with open(path + ".tmp", "wb") as f:
            f.write(content)
        os.replace(path + ".tmp", path)
        entry = {"file": name, "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, "at": time.time()}
        with open(os.path.join(self.folder, "index.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
        print("caught mail to %s: %s" % (", ".join(envelope.rcpt_tos), path), flush=True)
        return "250 OK: caught by the local mail catcher"


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)
    return authenticate


def main():
    parser = argparse.ArgumentParser(description="Local SMTP catcher: writes every message to a folder.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--auth", help="user:password to require AUTH PLAIN/LOGIN")
    parser.add_argument("--tls-cert", help="PEM certificate: offer STARTTLS (or TLS from the start with --implicit-tls)")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte, like port 465")
    args = parser.parse_args()
    # Loopback only, so AUTH without TLS is what we want: keep aiosmtpd's warnings about it quiet.
    warnings.filterwarnings("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    os.makedirs(args.dir, exist_ok=True)
    options = {}
    if args.auth:
        user, _, password = args.auth.partition(":")
        options = {"authenticator": authenticator_for(user, password), "auth_required": True, "auth_require_tls": False}
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.implicit_tls:
            options["ssl_context"] = context
        else:
            options.update({"tls_context": context, "require_starttls": True})
    controller = Controller(Catcher(args.dir), hostname="127.0.0.1", port=args.port, server_hostname="localhost", **options)
    controller.start()
    print("mail-catcher ready on 127.0.0.1:%d, writing to %s" % (args.port, os.path.abspath(args.dir)), flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
