"""Delivery channels: e-mail over SMTP, SMS through an HTTP gateway (Twilio's request format), and a console
channel for development. Each takes the app's config mapping and sends one `Outgoing` at a time.

A channel returns the provider's id for the message, or raises `TransientError` (worth retrying later:
network trouble, 4xx SMTP replies, HTTP 429/5xx) or `PermanentError` (retrying cannot help: a refused
address, HTTP 4xx). Error texts never carry the recipient or the body (no PHI in the delivery log).
"""
import base64
import json
import smtplib
import socket
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid


class TransientError(Exception):
    """Try again later."""


class PermanentError(Exception):
    """Do not try again."""


@dataclass(frozen=True)
class Outgoing:
    channel: str  # email | sms
    to: str
    body: str
    subject: str = ""


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]


class SmtpChannel:
    """One SMTP connection, reused for a whole dispatcher run and re-opened when the server drops it."""

    name = "email"

    def __init__(self, config):
        self.host = config.get("MAIL_SERVER", "localhost")
        self.port = int(config.get("MAIL_PORT", 25))
        self.use_tls = bool(config.get("MAIL_USE_TLS"))  # STARTTLS
        self.use_ssl = bool(config.get("MAIL_USE_SSL"))  # implicit TLS
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.sender = config.get("MAIL_DEFAULT_SENDER")
        self.timeout = float(config.get("MAIL_TIMEOUT", 10))
        self.tls_context = config.get("MAIL_TLS_CONTEXT") or ssl.create_default_context()
        self._smtp = None

    def _connect(self):
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls_context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.use_tls:
                smtp.starttls(context=self.tls_context)
        if self.username:
            smtp.login(self.username, self.password or "")
        return smtp

    def send(self, message: Outgoing) -> str:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(domain=(self.sender or "localhost").rsplit("@", 1)[-1].strip(">"))
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(message.body)
        for attempt in (1, 2):  # a server that dropped our idle connection gets one fresh one
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                refused = self._smtp.send_message(email)
            except smtplib.SMTPServerDisconnected as error:
                self._smtp = None
                if attempt == 2:
                    raise TransientError(_short(error)) from None
                continue
            except smtplib.SMTPRecipientsRefused as error:
                codes = [code for code, _ in error.recipients.values()]
                self._reset()
                if all(400 <= code < 500 for code in codes):
                    raise TransientError(f"recipient refused for now ({codes})") from None
                raise PermanentError(f"recipient refused ({codes})") from None
            except smtplib.SMTPResponseException as error:
                self.close()
                if 400 <= error.smtp_code < 500 or isinstance(error, smtplib.SMTPAuthenticationError):
                    raise TransientError(f"SMTP {error.smtp_code}") from None
                raise PermanentError(f"SMTP {error.smtp_code}") from None
            except (OSError, smtplib.SMTPException) as error:  # refused, timeout, TLS failure
                self.close()
                raise TransientError(_short(error)) from None
            if refused:
                raise PermanentError("recipient refused")
            return email["Message-ID"]
        raise TransientError("unreachable")  # pragma: no cover

    def _reset(self):
        try:
            self._smtp.rset()
        except Exception:  # noqa: BLE001  (the next send reconnects)
            self.close()

    def close(self):
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except Exception:  # noqa: BLE001
                pass
            self._smtp = None


class HttpSmsChannel:
    """Twilio-style gateway: form POST of To, From, Body with HTTP basic auth; JSON reply with a `sid`.

    SMS_GATEWAY_URL e.g. https://api.twilio.com/2010-04-01/Accounts/<SID>/Messages.json; any provider that
    accepts the same request (or a small adapter in front of yours) works.
    """

    name = "sms"

    def __init__(self, config):
        self.url = config.get("SMS_GATEWAY_URL")
        self.account = config.get("SMS_ACCOUNT_SID") or ""
        self.token = config.get("SMS_AUTH_TOKEN") or ""
        self.sender = config.get("SMS_FROM") or ""
        self.timeout = float(config.get("SMS_TIMEOUT", 10))

    def send(self, message: Outgoing) -> str:
        if not self.url or urllib.parse.urlsplit(self.url).scheme not in ("https", "http"):
            raise PermanentError("SMS_GATEWAY_URL is not set to an http(s) URL")
        data = urllib.parse.urlencode({"To": message.to, "From": self.sender, "Body": message.body}).encode()
        request = urllib.request.Request(self.url, data=data, method="POST")
        credentials = base64.b64encode(f"{self.account}:{self.token}".encode()).decode()
        request.add_header("Authorization", f"Basic {credentials}")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("Accept", "application/json")
        try:
            # The URL is the configured gateway, checked to be http(s) above.
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # nosec B310
                payload = reply.read()
        except urllib.error.HTTPError as error:
            if error.code == 429 or error.code >= 500:
                raise TransientError(f"gateway HTTP {error.code}") from None
            raise PermanentError(f"gateway HTTP {error.code}") from None
        except (OSError, socket.timeout) as error:
            raise TransientError(_short(error)) from None
        try:
            sid = json.loads(payload).get("sid")
        except (ValueError, AttributeError):
            sid = None
        if not sid:
            raise TransientError("gateway reply without a message id")
        return str(sid)[:120]

    def close(self):
        pass


class ConsoleChannel:
    """Development only: writes the message to stdout (or a given stream) and keeps it in `outbox`."""

    def __init__(self, name: str, stream=None):
        self.name = name
        self.stream = stream
        self.outbox: list[Outgoing] = []

    def send(self, message: Outgoing) -> str:
        self.outbox.append(message)
        stream = self.stream or sys.stdout
        stream.write(f"--- {self.name} to {message.to}: {message.subject}\n{message.body}\n")
        stream.flush()
        return f"console-{len(self.outbox)}"

    def close(self):
        pass


def make_channels(config, stream=None) -> dict:
    """{"email": channel, "sms": channel} as configured (MESSAGE_CHANNEL_EMAIL / MESSAGE_CHANNEL_SMS)."""
    email = SmtpChannel(config) if config.get("MESSAGE_CHANNEL_EMAIL", "smtp") == "smtp" \
        else ConsoleChannel("email", stream)
    sms = HttpSmsChannel(config) if config.get("MESSAGE_CHANNEL_SMS", "http") == "http" \
        else ConsoleChannel("sms", stream)
    return {"email": email, "sms": sms}
