"""The security baseline applied to every request and response (OWASP ASVS L2, SECURITY.md 3.2).

Request ids, the strict Content-Security-Policy and the other headers, `no-store` caching for anything
that is not a static file, and absolute URLs built from the configured BASE_URL (never the Host header).
"""
import hashlib
import secrets
import uuid
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, request, url_for

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def digest(token: str) -> str:
    """SHA-256 hex of a secret (survey tokens, session ids, API tokens): what we store instead of it."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """256 random bits, URL-safe (ASVS 11.5.1: at least 128)."""
    return secrets.token_urlsafe(32)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL from BASE_URL; safe to put in e-mails, SMS and PDFs. Works in the CLI too."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # `flask invite`, `flask demo`, `reminders send`: no request, no SERVER_NAME; only the path is needed
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def trusted_hosts_from(base_url: str) -> list[str]:
    return [urlsplit(base_url).hostname or "localhost"]


def init_app(app):
    @app.before_request
    def start_request():
        g.request_id = uuid.uuid4().hex
        view = app.view_functions.get(request.endpoint or "")
        g.db_readonly = request.method in ("GET", "HEAD") and getattr(view, "readonly", False)

    @app.after_request
    def add_headers(response):
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if app.config["BASE_URL"].startswith("https://"):
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if g.get("request_id"):
            headers["X-Request-ID"] = g.request_id
        if request.endpoint != "static":
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
