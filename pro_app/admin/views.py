"""Administration (blueprint "admin"): staff accounts, the audit trail, exports and API tokens."""
import json
import re
import tempfile
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms.fields import SelectChoice

from .. import audit, exports
from ..api import tokens
from ..auth import sessions
from ..auth.decorators import require_role
from ..auth.forms import EmptyForm
from ..auth.passwords import hash_password
from ..extensions import db
from ..models import ApiToken, AuditEvent, Patient, Site, User
from ..policy import NO_PHI, PHI_READ, tag
from ..scheduling import local_midnight
from .forms import ApiTokenForm, AuditFilterForm, ExportForm, UserForm

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
    rows = db.session.scalars(select(User).options(joinedload(User.site))
                              .order_by(User.site_id, User.role, User.email)).all()
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
    # Render before the commit: committing expires the rows, and the template would reload them one by one.
    page_html = render_template("admin/audit.html", form=form, rows=rows, page=page, total=total,
                                pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))
    db.session.commit()
    return page_html


# --- exports ---


@bp.route("/subject-access")
@tag(PHI_READ)
def subject_access():
    """Everything held about one patient of the admin's site, as a JSON download (GDPR Art. 15)."""
    from ..exports.subject import subject_record

    study_id = (request.args.get("study_id") or "").strip()
    if not study_id:
        audit.record("view", "subject_access_form", None)
        db.session.commit()
        return render_template("admin/subject_access.html", study_id="", problem=None)
    patient = db.session.scalar(select(Patient).where(Patient.study_id == study_id[:40],
                                                      Patient.site_id == current_user.site_id))
    if patient is None:
        audit.record("view", "subject_access_form", None, reason="no such patient at this site")
        db.session.commit()
        return render_template("admin/subject_access.html", study_id=study_id[:40],
                               problem=_("No patient with this study id at your site"), page_has_errors=True), 404
    record = subject_record(patient)
    audit.record("export", "patient", patient.id, patient_id=patient.id, new={
        "what": "subject_access", "visits": len(record["visits"]), "audit_rows": len(record["audit_trail"])})
    db.session.commit()
    response = current_app.response_class(json.dumps(record, ensure_ascii=False, indent=1),
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="subject-access-{patient.id}.json"'
    return response

def _export_form() -> ExportForm:
    form = ExportForm()
    form.site.choices = [SelectChoice(str(site.id), f"{site.code} – {site.name}")
                         for site in db.session.scalars(select(Site).order_by(Site.code))]
    return form


@bp.route("/exports", endpoint="exports")
@tag(NO_PHI)
def exports_page():
    return render_template("admin/exports.html", form=_export_form())


@bp.route("/exports/download", methods=["POST"])
@tag(PHI_READ)
def export_download():
    """One site as a zip: the CSV files, the FHIR bundle and a manifest. Audited; never cached."""
    form = _export_form()
    if not form.validate_on_submit():
        return render_template("admin/exports.html", form=form), 400
    site = db.session.get(Site, int(form.site.data))
    include_contacts = bool(form.include_contacts.data)
    archive = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    result = exports.write_zip(archive, [site], include_contacts)
    audit.record("export", "site", site.id, new={
        "what": "zip (csv + fhir)", "sites": [site.code], "include_contacts": include_contacts,
        "files": {name: info["rows"] for name, info in result["files"].items()}})
    db.session.commit()
    archive.seek(0)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    code = re.sub(r"[^A-Za-z0-9_-]", "_", site.code)
    kind = "with-contacts" if include_contacts else "pseudonymised"
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=f"sscore-export-{code}-{kind}-{stamp}.zip")


# --- API tokens ---

def _token_form() -> ApiTokenForm:
    form = ApiTokenForm()
    people = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.email)).all()
    form.user.choices = [SelectChoice("", _("Choose a person"))] + [
        SelectChoice(str(user.id), f"{user.email} ({user.role}, {user.site.code})") for user in people]
    return form


def _token_page(form, status=200):
    rows = db.session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())).all()
    return render_template("admin/api_tokens.html", form=form, tokens=rows, revoke=EmptyForm()), status


@bp.route("/api-tokens", methods=["GET", "POST"])
@tag(NO_PHI)
def api_tokens():
    """List, create (the token is shown once, on this response) and revoke personal API tokens."""
    form = _token_form()
    if form.validate_on_submit():
        user = db.session.get(User, int(form.user.data))
        token, raw = tokens.create(user, form.name.data)
        audit.record("create", "api_token", token.id, new={"user_id": user.id, "name": token.name,
                                                           "prefix": token.prefix})
        db.session.commit()
        # Shown once and not redirected: a redirect could only carry the secret through the session or the URL.
        return render_template("admin/api_token_created.html", token=token, raw=raw,
                               api_url=current_app.config["BASE_URL"].rstrip("/") + url_for("api.patients"))
    return _token_page(form, 400 if form.errors else 200)


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@tag(NO_PHI)
def revoke_api_token(token_id):
    token = db.get_or_404(ApiToken, token_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if tokens.revoke(token):
        audit.record("revoke", "api_token", token.id, field="revoked_at", new=token.revoked_at)
        db.session.commit()
        flash(_("Token %(prefix)s… is revoked: it no longer works.", prefix=token.prefix), "success")
    return redirect(url_for(".api_tokens"))
