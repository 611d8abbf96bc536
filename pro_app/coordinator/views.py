"""Coordinator pages (blueprint "coordinator")."""
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from .. import audit
from ..auth.decorators import require_role
from ..extensions import db
from ..models import Patient
from ..policy import phi_read

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
bp.before_request(require_role("coordinator"))


@bp.route("/")
@phi_read
def dashboard():
    enrolled = db.session.scalar(select(func.count(Patient.id)).where(Patient.site_id == current_user.site_id))
    audit.record("view", "dashboard", current_user.site_id)
    db.session.commit()
    return render_template("coordinator/dashboard.html", enrolled=enrolled)
