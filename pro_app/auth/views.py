"""Staff sign-in and sign-out."""
import logging

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import audit, throttle
from ..extensions import db, login_manager
from ..models import User
from ..models.types import utcnow
from ..policy import NO_PHI, tag
from ..security import digest
from . import sessions
from .decorators import HOME_BY_ROLE, safe_next
from .forms import EmptyForm, LoginForm
from .passwords import verify_password

bp = Blueprint("auth", __name__)
log = logging.getLogger("pro_app.auth")

login_manager.request_loader(sessions.load_staff_user)
login_manager.login_view = "auth.login"
login_manager.session_protection = None  # our server-side sessions replace its IP/UA heuristics


def home_for(user) -> str:
    return url_for(HOME_BY_ROLE.get(user.role, "auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@tag(NO_PHI)
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        config = current_app.config
        email = form.email.data.strip().lower()
        ip = request.remote_addr or "unknown"
        window = config["LOGIN_WINDOW"]
        # Lock the account row so that concurrent attempts on several workers are counted one at a time.
        user = db.session.scalar(select(User).where(User.email == email).with_for_update())
        if (throttle.count("login-ip", ip, window) >= config["LOGIN_MAX_FAILURES_PER_IP"]
                or throttle.count("login-account", email, window) >= config["LOGIN_MAX_FAILURES"]):
            log.warning("login refused: rate limit (account %s, request %s)", digest(email)[:12], _rid())
            db.session.rollback()
            form.form_errors.append(_("Too many failed attempts. Wait 15 minutes, then try again."))
            return render_template("auth/login.html", form=form), 429
        if user is not None and user.active and verify_password(user.password_hash, form.password.data):
            throttle.clear("login-account", email)
            user.last_login_at = utcnow()
            session.clear()  # new session id at login (no fixation)
            sessions.start("staff", user_id=user.id)
            _audit_auth("login", user)
            db.session.commit()
            log.info("login ok: user %s (request %s)", user.id, _rid())
            return redirect(safe_next(request.args.get("next"), home_for(user)))
        if user is None:
            verify_password(None, form.password.data)  # same work as a real check
        throttle.hit("login-account", email)
        throttle.hit("login-ip", ip)
        _audit_auth("login_failed", user)
        db.session.commit()
        log.warning("login failed: account %s (request %s)", digest(email)[:12], _rid())
        form.form_errors.append(_("Enter a correct email address and password"))
        status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@tag(NO_PHI)
def logout():
    if EmptyForm().validate_on_submit():
        if current_user.is_authenticated:
            _audit_auth("logout", current_user)
        sessions.end("staff", "logout")
        db.session.commit()
    return redirect(url_for("auth.login", signed_out=1))


def _audit_auth(action: str, user: User | None) -> None:
    if user is not None:
        g.actor = ("staff", user.id, user.email, user.role)
    else:
        g.actor = ("staff", None, "unknown account", "anonymous")
    audit.record(action, "user", user.id if user else None)
    g.actor = None


def _rid() -> str:
    return g.get("request_id", "-")
