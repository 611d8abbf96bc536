"""Clinician workspace (blueprint "clinic")."""
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..auth.decorators import require_role
from ..extensions import db
from ..models import Patient
from ..policy import phi_read

bp = Blueprint("clinic", __name__, url_prefix="/clinic")
bp.before_request(require_role("clinician"))


@bp.route("/patients")
@phi_read
def patients():
    rows = db.session.scalars(
        select(Patient).where(Patient.site_id == current_user.site_id).order_by(Patient.study_id).limit(50)
    ).all()
    audit.record("view", "patient_list", current_user.site_id)
    db.session.commit()
    return render_template("clinic/patients.html", patients=rows)
