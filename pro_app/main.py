"""Routes that belong to no audience: the front door, the health check, the favicon, the language switch."""
from flask import Blueprint, current_app, redirect, request, send_from_directory, session, url_for
from flask_login import current_user
from sqlalchemy import text

from .auth.decorators import HOME_BY_ROLE, safe_next
from .auth.forms import EmptyForm
from .extensions import db
from .policy import NO_PHI, no_phi, tag

bp = Blueprint("main", __name__)


@bp.route("/")
@no_phi
def index():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    return redirect(url_for("auth.login"))


@bp.route("/healthz")
@no_phi
def healthz():
    """200 when the app can reach its database; touches no patient data."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/favicon.ico")
@no_phi
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=86400)


@bp.route("/language", methods=["POST"])
@tag(NO_PHI)
def set_language():
    """Switch the interface language; answers already saved are untouched (they live on the server)."""
    language = request.form.get("language", "")
    if EmptyForm().validate_on_submit() and language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))
