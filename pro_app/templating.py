"""Jinja set-up: the `do` extension for macros, content-hashed asset URLs, and the staff navigation."""
import hashlib
from pathlib import Path

from flask import current_app, request, url_for
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user

YEAR = 365 * 24 * 3600

STAFF_NAV = {
    "clinician": (("clinic.patients", _l("Patients")),),
    "coordinator": (("coordinator.dashboard", _l("Dashboard")), ("coordinator.patients", _l("Patients")),
                    ("coordinator.plans", _l("Visit plans")), ("coordinator.messages", _l("Delivery log"))),
    "admin": (("admin.users", _l("Users")), ("admin.audit_trail", _l("Audit trail")), ("admin.exports", _l("Exports")),
              ("admin.api_tokens", _l("API tokens"))),
}

SMALL_FILE = 512 * 1024


def init_app(app):
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals.update(asset_url=asset_url, staff_nav=staff_nav, current_locale=current_locale)
    hashes: dict[str, str] = {}
    app.extensions["asset_hashes"] = hashes

    default_max_age = app.get_send_file_max_age

    def get_send_file_max_age(filename):
        # Versioned URLs (?v=<content hash>) never change content: cache them for a year.
        if request and request.args.get("v"):
            return YEAR
        return default_max_age(filename)

    app.get_send_file_max_age = get_send_file_max_age

    @app.after_request
    def buffer_small_files(response):
        # Files sent from disk (static assets, the favicon) are a few KB: read them into memory, closing the file
        # with the response, so that Flask-Compress, which runs after this hook, compresses a plain body instead
        # of wrapping the open file in a generator that never closes it. Large downloads stay streamed.
        if (response.direct_passthrough and response.status_code == 200 and response.content_length is not None
                and response.content_length <= SMALL_FILE):
            response.direct_passthrough = False
            response.make_sequence()
        return response


def asset_url(filename: str) -> str:
    hashes = current_app.extensions["asset_hashes"]
    if filename not in hashes or current_app.debug:
        path = Path(current_app.static_folder) / filename
        hashes[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return url_for("static", filename=filename, v=hashes[filename])


def staff_nav():
    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label in STAFF_NAV.get(current_user.role, ())
            if endpoint in current_app.view_functions]


def current_locale() -> str:
    return str(get_locale() or "en")
