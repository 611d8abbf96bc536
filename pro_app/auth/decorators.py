"""Access rules, applied once per blueprint (STYLE rule 9)."""
import logging
from functools import wraps

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

log = logging.getLogger("pro_app.auth")
HOME_BY_ROLE = {"clinician": "clinic.patients", "coordinator": "coordinator.dashboard", "admin": "admin.users"}


def require_role(*roles: str):
    """A `before_request` hook: anonymous staff go to the login page, other roles get 403."""

    def check():
        if request.endpoint and request.endpoint.endswith(".static"):
            return None
        if not current_user.is_authenticated:
            if request.method == "GET":
                return redirect(url_for("auth.login", next=request.full_path))
            abort(401)
        if current_user.role not in roles:
            log.warning("access refused: user %s (%s) to %s %s (request %s)", current_user.id, current_user.role,
                        request.method, request.endpoint, g.get("request_id", "-"))
            abort(403)
        return None

    return check


def roles_required(*roles: str):
    """The same rule for a single view outside a role blueprint."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            response = require_role(*roles)()
            return response if response is not None else view(*args, **kwargs)

        return wrapped

    return decorate


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback
