"""Administration (blueprint "admin"): staff accounts and the audit trail."""
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields import SelectChoice

from .. import audit
from ..auth import sessions
from ..auth.decorators import require_role
from ..auth.forms import EmptyForm
from ..auth.passwords import hash_password
from ..extensions import db
from ..models import AuditEvent, Patient, Site, User
from ..policy import NO_PHI, PHI_READ, tag
from ..scheduling import local_midnight
from .forms import AuditFilterForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_role("admin"))
PAGE_SIZE = 50


@bp.route("/users", methods=["GET", "POST"])
@tag(NO_PHI)
def users():
    form = UserForm()
    form.site.choices = [SelectChoice(site.id, f"{site.code} – {site.name}") for site in db.session.scalars(
        select(Site).order_by(Site.code))]
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if db.session.scalar(select(User.id).where(User.email == email)):
            form.email.errors.append(_("A user with this email address already exists"))
        else:
            user = User(email=email, name=form.name.data.strip(), role=form.role.data, site_id=form.site.data,
                        password_hash=hash_password(form.password.data))
            db.session.add(user)
            db.session.flush()
            audit.record("create", "user", user.id, new={"email": email, "role": user.role, "site_id": user.site_id})
            db.session.commit()
            flash(_("Account created for %(email)s", email=email), "success")
            return redirect(url_for(".users"))
    rows = db.session.scalars(select(User).order_by(User.site_id, User.role, User.email)).all()
    status = 400 if form.errors else 200
    return render_template("admin/users.html", form=form, users=rows, toggle=EmptyForm()), status


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@tag(NO_PHI)
def toggle_user(user_id):
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash(_("You cannot disable your own account"), "error")
        return redirect(url_for(".users"))
    old = user.active
    user.active = not user.active
    if not user.active:
        sessions.end_all_for_user(user.id, "disabled")
    audit.record("update", "user", user.id, field="active", old=old, new=user.active)
    db.session.commit()
    flash(_("%(email)s is now %(state)s", email=user.email,
            state=_("active") if user.active else _("disabled")), "success")
    return redirect(url_for(".users"))


@bp.route("/audit")
@tag(PHI_READ)
def audit_trail():
    """Who saw or changed what, filtered by patient, staff member and dates (G-AUD-6)."""
    form = AuditFilterForm(request.args)
    query = select(AuditEvent)
    page = max(request.args.get("page", 1, type=int), 1)
    if form.validate():
        if form.patient.data:
            patient_id = db.session.scalar(select(Patient.id).where(Patient.study_id == form.patient.data.strip()))
            query = query.where(AuditEvent.patient_id == (patient_id or -1))
        if form.actor.data:
            query = query.where(AuditEvent.actor == form.actor.data.strip().lower())
        if form.date_from.data:
            query = query.where(AuditEvent.at >= local_midnight(form.date_from.data, "UTC"))
        if form.date_to.data:
            query = query.where(AuditEvent.at < local_midnight(form.date_to.data + timedelta(days=1), "UTC"))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE)
                              .offset((page - 1) * PAGE_SIZE)).all()
    audit.record("view", "audit_trail", None, new=dict(request.args))
    db.session.commit()
    return render_template("admin/audit.html", form=form, rows=rows, page=page, total=total,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))
