#!/usr/bin/env python3
"""A small real SMTP server for the Notifications (SMTP client) tests.

Built on aiosmtpd. It listens on 127.0.0.1 on a free port, prints that port
(and nothing else) on stdout once it accepts connections, and writes every
accepted message as one JSON file into OUTPUT_DIR.

The JSON file holds the envelope (mail_from, rcpt_tos), the raw content
(base64 and as text), whether the session was TLS / authenticated, and the
message as parsed by Python's own `email` package (decoded subject, From, To,
text and HTML parts), so the tests check the MIME output against an
independent parser.

Options:
  --starttls              offer STARTTLS with a freshly generated self-signed cert
  --implicit-tls          the whole connection is TLS (like port 465)
  --require-starttls      refuse commands other than EHLO/STARTTLS/QUIT before TLS
  --auth USER:PASSWORD    offer AUTH (PLAIN and LOGIN) and require it for MAIL
  --auth-allow-plaintext  allow AUTH without TLS (aiosmtpd's auth_require_tls=False)
  --exclude-plain         do not offer AUTH PLAIN (exercises the LOGIN fallback)
  --blackhole             accept TCP connections but never say anything
  --inject-after-starttls  a scripted fake (not aiosmtpd) that offers STARTTLS and sends an
                          extra clear-text reply right behind its "220" (STARTTLS injection)

Recipients whose address starts with "reject" are refused with 550.
The server exits on SIGTERM/SIGINT or when its stdin reaches EOF.
If aiosmtpd is not installed it prints a message on stderr and exits with 3.
"""

import argparse
import base64
import email
import email.policy
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import warnings

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError as error:  # pragma: no cover - exercised by the Swift test's message
    sys.stderr.write(
        "smtp_server.py: aiosmtpd is not installed for %s (%s). Install it with:\n"
        "  python3 -m venv .venv-peers && .venv-peers/bin/pip install aiosmtpd pyotp\n"
        % (sys.executable, error)
    )
    sys.stderr.flush()
    sys.exit(3)


def make_self_signed(directory):
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-subj", "/CN=localhost", "-days", "1",
            "-keyout", key, "-out", cert,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parsed_summary(raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    summary = {
        "subject": str(message.get("Subject", "")),
        "from": str(message.get("From", "")),
        "to": str(message.get("To", "")),
        "message_id": str(message.get("Message-ID", "")),
        "date": str(message.get("Date", "")),
        "mime_version": str(message.get("MIME-Version", "")),
        "content_type": message.get_content_type(),
        "headers": {key: str(value) for key, value in message.items()},
        "defects": [repr(defect) for defect in message.defects],
        "text": None,
        "html": None,
    }
    for part in message.walk():
        summary["defects"].extend(repr(defect) for defect in part.defects)
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and summary["text"] is None:
            summary["text"] = part.get_content()
        elif kind == "text/html" and summary["html"] is None:
            summary["html"] = part.get_content()
    return summary


class RecordingHandler:
    def __init__(self, output_dir):
        self.output_dir = output_dir
        self.counter = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        with self.lock:
            self.counter += 1
            number = self.counter
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
            "tls": session.ssl is not None
                   or server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
            "login": (session.login_data.decode("utf-8", "replace")
                      if isinstance(session.login_data, bytes) else session.login_data),
            "helo": session.host_name,
            "raw_base64": base64.b64encode(raw).decode("ascii"),
            "raw": raw.decode("utf-8", "replace"),
            "parsed": parsed_summary(raw),
        }
        name = "message-%04d.json" % number
        temporary = os.path.join(self.output_dir, "." + name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(record, handle, ensure_ascii=False, indent=2)
        os.replace(temporary, os.path.join(self.output_dir, name))
        return "250 2.0.0 OK queued as MEGHNA%04d" % number


class Authenticator:
    def __init__(self, username, password):
        self.username = username.encode("utf-8")
        self.password = password.encode("utf-8")

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login == self.username and auth_data.password == self.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def serve_injection(connection):
    with connection, connection.makefile("rb") as lines:
        connection.sendall(b"220 fake ESMTP\r\n")
        for line in lines:
            command = line.strip().upper()
            if command.startswith(b"EHLO"):
                connection.sendall(b"250-fake\r\n250 STARTTLS\r\n")
            elif command == b"STARTTLS":
                connection.sendall(b"220 Ready to start TLS\r\n250 injected in clear text\r\n")
            elif command == b"QUIT":
                connection.sendall(b"221 bye\r\n")
                return
            else:
                connection.sendall(b"502 not implemented\r\n")


def run_raw(serve):
    """A plain socket server on a free port; `serve(connection)` runs per connection (None: say nothing)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []

    def accept_forever():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            if serve is None:
                held.append(connection)  # keep it open, say nothing
            else:
                threading.Thread(target=serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept_forever, daemon=True).start()
    return listener.getsockname()[1], listener.close


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--require-starttls", action="store_true")
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    parser.add_argument("--auth-allow-plaintext", action="store_true")
    parser.add_argument("--exclude-plain", action="store_true")
    parser.add_argument("--blackhole", action="store_true")
    parser.add_argument("--inject-after-starttls", action="store_true")
    args = parser.parse_args()

    os.makedirs(args.output_dir, exist_ok=True)
    stop_event = threading.Event()

    def request_stop(*_):
        stop_event.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(1):
                pass
        except (OSError, ValueError):
            pass
        stop_event.set()

    threading.Thread(target=watch_stdin, daemon=True).start()

    if args.blackhole:
        port, stop = run_raw(None)
    elif args.inject_after_starttls:
        port, stop = run_raw(serve_injection)
    else:
        with tempfile.TemporaryDirectory(prefix="meghna-smtp-cert-") as cert_dir:
            tls_context = None
            if args.starttls or args.implicit_tls:
                tls_context = make_self_signed(cert_dir)

        kwargs = {
            "hostname": "127.0.0.1",
            "server_hostname": "meghna-test-smtp",
            "enable_SMTPUTF8": True,
            "ready_timeout": 10.0,
        }
        if args.implicit_tls:
            kwargs["ssl_context"] = tls_context
        elif args.starttls:
            kwargs["tls_context"] = tls_context
            kwargs["require_starttls"] = args.require_starttls
        if args.auth:
            username, _, password = args.auth.partition(":")
            kwargs["authenticator"] = Authenticator(username, password)
            kwargs["auth_required"] = True
            # aiosmtpd only counts STARTTLS as TLS; an implicit-TLS connection is encrypted anyway.
            kwargs["auth_require_tls"] = not (args.auth_allow_plaintext or args.implicit_tls)
            if not kwargs["auth_require_tls"]:
                warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            if args.exclude_plain:
                kwargs["auth_exclude_mechanism"] = ["PLAIN"]

        handler = RecordingHandler(args.output_dir)
        controller = None
        last_error = None
        for _ in range(20):
            candidate = Controller(handler, port=free_port(), **kwargs)
            try:
                candidate.start()
            except Exception as error:  # port raced away: try another one
                last_error = error
                time.sleep(0.05)
                continue
            controller = candidate
            break
        if controller is None:
            sys.stderr.write("smtp_server.py: could not start: %r\n" % (last_error,))
            sys.exit(1)
        port = controller.port
        stop = controller.stop

    sys.stdout.write("%d\n" % port)
    sys.stdout.flush()
    try:
        while not stop_event.wait(0.2):
            pass
    finally:
        stop()


if __name__ == "__main__":
    main()
