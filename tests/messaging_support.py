"""Loopback stand-ins for the outside world: a real SMTP server (aiosmtpd) and an HTTP SMS gateway that
speaks Twilio's request format. Both record what they received and can be told to fail."""
import asyncio
import base64
import email
import json
import re
import socket
import subprocess
import threading
from datetime import UTC, date, datetime
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller

from pro_app.coordinator.plans import enrol, ensure_default_plan
from pro_app.extensions import db
from pro_app.models import Patient

LINK = re.compile(r"http://localhost/s/[A-Za-z0-9_-]{43}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """aiosmtpd handler: keeps every accepted message; `fail` holds SMTP replies to give instead, one per DATA."""

    def __init__(self):
        self.messages = []
        self.fail: list[str] = []
        self.delay = 0.0  # seconds per message, to make races between dispatchers likely
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.fail:
                return self.fail.pop(0)
            parsed = email.message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append({"to": list(envelope.rcpt_tos), "subject": str(parsed["Subject"]),
                                  "body": parsed.get_body().get_content(), "message_id": str(parsed["Message-ID"]),
                                  "auth": getattr(session, "auth_data", None),
                                  "tls": session.ssl is not None
                                  or server.transport.get_extra_info("ssl_object") is not None})
        return "250 OK"

    def links(self):
        return [LINK.search(m["body"]).group(0) for m in self.messages]


def start_smtp(handler, **options):
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller, port


@pytest.fixture
def smtp_sink():
    handler = SmtpSink()
    controller, port = start_smtp(handler)
    handler.port = port
    yield handler
    controller.stop()


class Gateway(BaseHTTPRequestHandler):
    received: list = []
    fail: list = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if self.fail:
            status = self.fail.pop(0)
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b'{"message": "try later"}')
            return
        auth = base64.b64decode(self.headers.get("Authorization", "Basic ").split()[-1] or b"").decode()
        self.received.append({"path": self.path, "form": form, "auth": auth,
                              "type": self.headers.get("Content-Type")})
        sid = f"SM{len(self.received):032x}"
        body = json.dumps({"sid": sid, "status": "queued", "to": form.get("To")}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_gateway():
    handler = type("G", (Gateway,), {"received": [], "fail": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}/2010-04-01/Accounts/AC123/Messages.json"
    yield handler
    server.shutdown()
    server.server_close()


def channel_config(smtp_sink=None, sms_gateway=None, **extra):
    config = {"MESSAGE_CHANNEL_EMAIL": "console", "MESSAGE_CHANNEL_SMS": "console"}
    if smtp_sink is not None:
        config.update(MESSAGE_CHANNEL_EMAIL="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_sink.port,
                      MAIL_DEFAULT_SENDER="Clinic <no-reply@clinic.example>", MAIL_TIMEOUT=5)
    if sms_gateway is not None:
        config.update(MESSAGE_CHANNEL_SMS="http", SMS_GATEWAY_URL=sms_gateway.url, SMS_ACCOUNT_SID="AC123",
                      SMS_AUTH_TOKEN="gateway-secret", SMS_FROM="+15005550006")
    config.update(extra)
    return config


def add_patient(site, anchor: date, study_id: str, timezone="Europe/London", **fields) -> Patient:
    fields.setdefault("email", f"{study_id.lower()}@example.org")
    patient = Patient(site=site, study_id=study_id, timezone=timezone, **fields)
    db.session.add(patient)
    enrol(patient, ensure_default_plan(), anchor)
    db.session.commit()
    return patient


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def self_signed_cert(folder):
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key
