"""Coordinator pages (blueprint "coordinator"): compliance dashboard, composite readiness, patients and their
plans, enrolment, visit plans, the delivery log, and the buttons that send, revoke or pause.

Every object is looked up within the coordinator's own site (another site's patient or visit is 404).
"""
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from sqlalchemy import case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields import SelectChoice

from .. import audit
from ..auth.decorators import require_role
from ..auth.forms import EmptyForm
from ..extensions import db
from ..models import DeliveryAttempt, Message, Patient, PlanVisit, SurveyResponse, Visit, VisitPlan
from ..models.types import utcnow
from ..outcomes import CORE_LABELS, STEP1_LABELS, load_outcomes, missing_inputs
from ..policy import NO_PHI, phi_read, phi_write, tag
from ..scheduling import local_today
from ..surveys import links
from . import compliance
from .forms import EnrolForm, PatientForm, PlanForm, WithdrawForm
from .plans import enrol, ensure_default_plan

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
bp.before_request(require_role("coordinator"))
PAGE_SIZE = 100
LOG_SIZE = 100
READINESS_DAYS = 14  # readiness shows visits whose window is open or opens within this many days


# --- lookups ------------------------------------------------------------------------------------------

def own_patient(patient_id: int) -> Patient:
    patient = db.session.scalar(select(Patient).where(Patient.id == patient_id,
                                                      Patient.site_id == current_user.site_id))
    if patient is None:
        abort(404)
    return patient


def own_visit(visit_id: int) -> Visit:
    visit = db.session.scalar(select(Visit).join(Patient).options(joinedload(Visit.patient))
                              .where(Visit.id == visit_id, Patient.site_id == current_user.site_id))
    if visit is None:
        abort(404)
    return visit


def site_plans() -> list[VisitPlan]:
    ensure_default_plan()
    return db.session.scalars(select(VisitPlan).options(selectinload(VisitPlan.visits))
                              .where(or_(VisitPlan.site_id.is_(None), VisitPlan.site_id == current_user.site_id))
                              .order_by(VisitPlan.is_default.desc(), VisitPlan.name)).all()


def visit_facts(patient_ids=None) -> list[compliance.VisitFact]:
    """Every visit of the site's patients still in the study (or of `patient_ids`: a page of the patient list),
    with each patient's local today, for `compliance.status`. Read as plain rows, not ORM objects."""
    now = utcnow()
    started = exists().where(SurveyResponse.visit_id == Visit.id)
    query = (select(Visit.patient_id, Patient.study_id, Visit.code, Visit.label, Visit.position, Visit.target_date,
                    Visit.window_open, Visit.window_close, Visit.submitted_at.isnot(None), started, Patient.timezone)
             .join(Patient, Patient.id == Visit.patient_id)
             .where(Patient.site_id == current_user.site_id, Patient.withdrawn_at.is_(None)))
    if patient_ids is not None:
        query = query.where(Visit.patient_id.in_(patient_ids))
    todays: dict[str, date] = {}
    facts = []
    for *values, submitted, has_started, timezone in db.session.execute(query):
        today = todays.get(timezone) or todays.setdefault(timezone, local_today(now, timezone))
        facts.append(compliance.VisitFact(*values, bool(submitted), bool(has_started), today))
    return facts


def site_summary() -> tuple[list[compliance.Row], compliance.Row, int, list[compliance.VisitFact]]:
    """The dashboard's counts, counted by the database: (rows per visit, totals, patients, 50 overdue visits).

    The same states as `compliance.status`, written as SQL for each time zone of the site's patients (a visit's
    state depends on the patient's local today); `tests/test_coordinator_compliance.py` checks that both agree.
    Reading every visit of a 10,000-patient site into Python took over a second."""
    now = utcnow()
    active = [Patient.site_id == current_user.site_id, Patient.withdrawn_at.is_(None)]
    zones = db.session.scalars(select(Patient.timezone).where(*active).distinct()).all()
    rows: dict[str, compliance.Row] = {}
    overdue: list[compliance.VisitFact] = []
    for zone in zones:
        today = local_today(now, zone)
        waiting = Visit.submitted_at.is_(None)
        is_open = waiting & (Visit.window_open <= today) & (Visit.window_close >= today)
        states = {
            "completed": Visit.submitted_at.isnot(None),
            "missed": waiting & (Visit.window_close < today),
            "upcoming": waiting & (Visit.window_open > today),
            "due": is_open & (Visit.target_date >= today),
            "overdue": is_open & (Visit.target_date < today),
        }
        counted = select(Visit.code, Visit.label, Visit.position,
                         *[func.sum(case((condition, 1), else_=0)) for condition in states.values()])
        for code, label, position, *counts in db.session.execute(
                counted.join(Patient, Patient.id == Visit.patient_id).where(*active, Patient.timezone == zone)
                .group_by(Visit.code, Visit.label, Visit.position)):
            row = rows.get(code)
            if row is None:
                row = rows[code] = compliance.Row(code, label, position)
            for state, count in zip(states, counts):
                row.counts[state] += int(count or 0)
        started = exists().where(SurveyResponse.visit_id == Visit.id)
        for values in db.session.execute(
                select(Visit.patient_id, Patient.study_id, Visit.code, Visit.label, Visit.position, Visit.target_date,
                       Visit.window_open, Visit.window_close, started)
                .join(Patient, Patient.id == Visit.patient_id).where(*active, Patient.timezone == zone,
                                                                    states["overdue"])
                .order_by(Visit.window_close, Patient.study_id).limit(50)):
            *fact, has_started = values
            overdue.append(compliance.VisitFact(*fact, False, bool(has_started), today))
    ordered = sorted(rows.values(), key=lambda r: (r.position, r.code))
    totals = compliance.Row("all", "All visits", 0)
    for row in ordered:
        for key, value in row.counts.items():
            totals.counts[key] += value
    patients = db.session.scalar(select(func.count(Patient.id)).where(*active))
    overdue.sort(key=lambda f: (f.window_close, f.study_id))
    return ordered, totals, patients, overdue[:50]


# --- dashboard and readiness --------------------------------------------------------------------------

@bp.route("/")
@phi_read
def dashboard():
    rows, totals, enrolled, overdue = site_summary()
    failed = db.session.scalar(select(db.func.count(Message.id)).join(Patient).where(
        Patient.site_id == current_user.site_id, Message.status == "failed"))
    audit.record("view", "dashboard", current_user.site_id)
    db.session.commit()
    return render_template("coordinator/dashboard.html", rows=rows, totals=totals, enrolled=enrolled,
                           overdue=overdue, failed=failed)


@bp.route("/readiness")
@phi_read
def readiness():
    """For each upcoming visit: which CRISS inputs are there and which are missing, and who must provide them."""
    today = utcnow().date()
    visits = db.session.scalars(
        select(Visit).join(Patient).options(joinedload(Visit.patient))
        .where(Patient.site_id == current_user.site_id, Patient.withdrawn_at.is_(None),
               Visit.window_open <= today + timedelta(days=READINESS_DAYS), Visit.window_close >= today)
        .order_by(Visit.target_date, Visit.id).limit(PAGE_SIZE)).all()
    outcomes = load_outcomes(visits)
    rows = []
    for visit in visits:
        outcome = outcomes[visit.id]
        missing = {m.item for m in missing_inputs(outcome, as_followup=not visit.is_baseline)}
        step1 = [event for event in STEP1_LABELS if event in missing]
        rows.append({"visit": visit, "missing": missing, "step1_missing": step1, "baseline": visit.is_baseline})
    audit.record("view", "readiness", current_user.site_id)
    page_html = render_template("coordinator/readiness.html", rows=rows, labels=CORE_LABELS,  # before the commit
                                patient_items=("pt_global", "haq_di"),
                                clinician_items=("mrss", "fvc_pct", "md_global"), days=READINESS_DAYS)
    db.session.commit()
    return page_html


# --- patients -----------------------------------------------------------------------------------------

@bp.route("/patients")
@phi_read
def patients():
    search = (request.args.get("q") or "").strip()[:40]
    page = max(request.args.get("page", 1, type=int), 1)
    where = [Patient.site_id == current_user.site_id]
    if search:
        where.append(Patient.study_id.contains(search, autoescape=True))
    total = db.session.scalar(select(func.count(Patient.id)).where(*where))
    rows = db.session.scalars(select(Patient).where(*where).order_by(Patient.study_id)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    facts = visit_facts([p.id for p in rows])  # this page's patients only
    by_patient: dict[int, list] = {}
    for fact in sorted(facts, key=lambda f: (f.target_date, f.position)):
        by_patient.setdefault(fact.patient_id, []).append((fact, compliance.status(fact)))
    audit.record("view", "patient_list", current_user.site_id, new={"q": search} if search else None)
    # Render before the commit: committing expires the rows, and the template would reload them one by one.
    page_html = render_template("coordinator/patients.html", patients=rows, visits=by_patient, search=search,
                                page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), total=total)
    db.session.commit()
    return page_html


@bp.route("/patients/new", methods=["GET", "POST"])
@phi_write
def enrol_patient():
    form = EnrolForm()
    plans = site_plans()
    form.plan.choices = [SelectChoice(plan.id, plan.name) for plan in plans]
    if request.method == "GET":
        form.timezone.data = form.timezone.data or current_user.site.timezone
    if form.validate_on_submit():
        study_id = form.study_id.data.strip()
        if db.session.scalar(select(Patient.id).where(Patient.study_id == study_id)):
            form.study_id.errors.append(_("This study id is already enrolled"))
        else:
            plan = next(plan for plan in plans if plan.id == form.plan.data)
            patient = Patient(site_id=current_user.site_id, study_id=study_id, email=form.email.data or None,
                              phone=form.phone.data or None, preferred_channel=form.preferred_channel.data,
                              language=form.language.data, timezone=form.timezone.data)
            db.session.add(patient)
            enrol(patient, plan, form.anchor_date.data, enrolled_by_id=current_user.id)
            db.session.flush()
            audit.record("create", "patient", patient.id, patient_id=patient.id,
                         new={"study_id": study_id, "plan": plan.name, "anchor_date": form.anchor_date.data,
                              "channel": patient.preferred_channel, "language": patient.language,
                              "timezone": patient.timezone})
            db.session.commit()
            flash(ngettext("%(study_id)s is enrolled; %(num)s visit was created.",
                           "%(study_id)s is enrolled; %(num)s visits were created.", len(plan.visits),
                           study_id=study_id), "success")
            return redirect(url_for(".patient", patient_id=patient.id))
    # A refused or first look at the form: nothing saved, nothing read but the site's plans.
    audit.record("view", "enrol_form", current_user.site_id)
    db.session.commit()
    return render_template("coordinator/enrol.html", form=form), 400 if form.errors else 200


@bp.route("/patients/<int:patient_id>")
@phi_read
def patient(patient_id):
    patient = own_patient(patient_id)
    audit.record("view", "patient", patient.id, patient_id=patient.id)
    page = _patient_page(patient)
    db.session.commit()
    return page


def _patient_page(patient: Patient, withdraw_form: "WithdrawForm | None" = None) -> str:
    now = utcnow()
    today = local_today(now, patient.timezone)
    visits = db.session.scalars(select(Visit).where(Visit.patient_id == patient.id)
                                .options(selectinload(Visit.invitations)).order_by(Visit.target_date)).all()
    started = set(db.session.scalars(select(SurveyResponse.visit_id).where(
        SurveyResponse.visit_id.in_([v.id for v in visits]))))
    rows = []
    for visit in visits:
        fact = compliance.VisitFact(patient.id, patient.study_id, visit.code, visit.label, visit.position,
                                    visit.target_date, visit.window_open, visit.window_close,
                                    visit.submitted_at is not None, visit.id in started, today)
        live = [i for i in visit.invitations if links.state(i, now) == links.OPEN]
        rows.append({"visit": visit, "status": compliance.status(fact), "live_links": len(live)})
    messages = db.session.scalars(select(Message).where(Message.patient_id == patient.id)
                                  .options(selectinload(Message.attempts_log))
                                  .order_by(Message.due_at.desc(), Message.id.desc()).limit(50)).all()
    visit_labels = {visit.id: visit.label for visit in visits}
    return render_template("coordinator/patient.html", patient=patient, rows=rows, messages=messages,
                           visit_labels=visit_labels, button=EmptyForm(), plan=patient.enrollment,
                           withdraw_form=withdraw_form or WithdrawForm(formdata=None),
                           page_has_errors=bool(withdraw_form and withdraw_form.errors))


@bp.route("/patients/<int:patient_id>/edit", methods=["GET", "POST"])
@phi_write
def edit_patient(patient_id):
    patient = own_patient(patient_id)
    form = PatientForm(obj=patient)
    if form.validate_on_submit():
        changes = {}
        for name in ("email", "phone", "preferred_channel", "language", "timezone"):
            new = getattr(form, name).data or None
            old = getattr(patient, name)
            if name in ("preferred_channel", "language", "timezone"):
                new = new or old
            if new != old:
                changes[name] = (old, new)
                setattr(patient, name, new)
        if changes:
            audit.record("update", "patient", patient.id, patient_id=patient.id, changes=changes)
            db.session.commit()
            flash(_("Contact details saved."), "success")
        else:
            audit.record("view", "patient", patient.id, patient_id=patient.id, reason="edit without changes")
            db.session.commit()
            flash(_("Nothing was changed."), "info")
        return redirect(url_for(".patient", patient_id=patient.id))
    audit.record("view", "patient", patient.id, patient_id=patient.id)
    db.session.commit()
    return render_template("coordinator/edit.html", form=form, patient=patient), 400 if form.errors else 200


@bp.route("/patients/<int:patient_id>/pause", methods=["POST"])
@phi_write
def pause(patient_id):
    patient = own_patient(patient_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    from ..messaging.dispatcher import resume_paused

    now = utcnow()
    old = patient.reminders_paused
    patient.reminders_paused = not old
    if patient.reminders_paused:
        for visit in patient.visits:
            db.session.execute(
                update(Message)
                .where(Message.visit_id == visit.id, Message.status == "pending", Message.created_by_id.is_(None))
                .values(status="cancelled", cancelled_reason="paused").execution_options(synchronize_session=False))
        flash(_("Reminders are paused for %(study_id)s.", study_id=patient.study_id), "success")
    else:
        resume_paused(patient, now)
        flash(_("Reminders are on again for %(study_id)s.", study_id=patient.study_id), "success")
    audit.record("update", "patient", patient.id, patient_id=patient.id, field="reminders_paused", old=old,
                 new=patient.reminders_paused)
    db.session.commit()
    return redirect(url_for(".patient", patient_id=patient.id))


@bp.route("/patients/<int:patient_id>/withdraw", methods=["POST"])
@phi_write
def withdraw(patient_id):
    """The patient leaves the study: links stop working, nothing more is sent; data already given is kept
    (trial data are pseudonymised, never destroyed) and exports show when the patient withdrew."""
    from ..messaging.dispatcher import cancel_pending

    patient = own_patient(patient_id)
    form = WithdrawForm()
    if patient.withdrawn_at is not None:
        audit.record("view", "patient", patient.id, patient_id=patient.id, reason="already withdrawn")
        db.session.commit()
        flash(_("%(study_id)s had already withdrawn.", study_id=patient.study_id), "info")
        return redirect(url_for(".patient", patient_id=patient.id))
    if not form.validate_on_submit():
        audit.record("view", "patient", patient.id, patient_id=patient.id, reason="withdrawal refused: no reason")
        db.session.commit()
        return _patient_page(patient, withdraw_form=form), 400
    now = utcnow()
    revoked = cancelled = 0
    for visit in patient.visits:
        revoked += links.revoke_all(visit, current_user.id, now)
        cancelled += cancel_pending(visit.id, "withdrawn")
    patient.withdrawn_at = now
    audit.record("withdraw", "patient", patient.id, patient_id=patient.id, field="withdrawn_at", old=None,
                 new={"withdrawn_at": now.isoformat(), "links_revoked": revoked, "messages_cancelled": cancelled},
                 reason=" ".join(form.reason.data.split()))
    db.session.commit()
    flash(_("%(study_id)s has withdrawn: links no longer work and no more messages go out. The answers and "
            "assessments already given are kept.", study_id=patient.study_id), "success")
    return redirect(url_for(".patient", patient_id=patient.id))


# --- per-visit actions --------------------------------------------------------------------------------

OUTCOME_TEXT = {
    "sent": _l("Sent."),
    "deferred": _l("Queued: it is quiet hours for the patient (or the window has not opened); it goes out at 08:00 "
                    "their time."),
    "retry": _l("The mail or SMS service did not accept it yet; it will be retried automatically."),
    "failed": _l("Sending failed; see the delivery log."),
}


@bp.route("/visits/<int:visit_id>/send", methods=["POST"])
@phi_write
def send_now(visit_id):
    """Send an invitation (or, after one went out, a reminder) now, through the same checks as the dispatcher."""
    from ..messaging.dispatcher import Dispatcher, add_manual

    visit = own_visit(visit_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        message = add_manual(visit, current_user.id, utcnow())
    except IntegrityError:  # a double click: the other request took this sequence number and sends it
        db.session.rollback()
        audit.record("send", "message", None, patient_id=visit.patient_id, new={"visit": visit.code},
                     reason="already being sent by another request")
        db.session.commit()
        flash(_("A message for this visit is already being sent."), "warning")
        return redirect(url_for(".patient", patient_id=visit.patient_id))
    audit.record("send", "message", message.id, patient_id=visit.patient_id,
                 new={"visit": visit.code, "kind": message.kind})
    db.session.commit()
    outcome = Dispatcher().send_one(message.id)
    if outcome == "cancelled":
        db.session.refresh(message)
        flash(_("Not sent: %(reason)s.", reason=REASON_TEXT.get(message.cancelled_reason,
                                                               message.cancelled_reason)), "warning")
    else:
        flash(str(OUTCOME_TEXT.get(outcome, _l("Queued."))), "success" if outcome == "sent" else "warning")
    return redirect(url_for(".patient", patient_id=visit.patient_id))


REASON_TEXT = {
    "submitted": _l("the patient has already sent this visit's answers"),
    "withdrawn": _l("the patient has withdrawn"),
    "revoked": _l("the links of this visit were revoked"),
    "window_closed": _l("the visit window has closed"),
    "paused": _l("reminders are paused"),
    "no_channel": _l("the patient asked not to receive messages"),
    "opted_out_or_no_address": _l("no usable email address or mobile number (or the patient opted out)"),
    "daily_cap": _l("the patient already had the most messages allowed today"),
}


@bp.route("/visits/<int:visit_id>/revoke", methods=["POST"])
@phi_write
def revoke(visit_id):
    from ..messaging.dispatcher import cancel_pending

    visit = own_visit(visit_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    revoked = links.revoke_all(visit, current_user.id)
    cancelled = cancel_pending(visit.id, "revoked")
    audit.record("revoke", "invitation", visit.id, patient_id=visit.patient_id,
                 new={"visit": visit.code, "links_revoked": revoked, "messages_cancelled": cancelled})
    db.session.commit()
    flash(_("%(count)s link(s) revoked and planned messages for %(visit)s cancelled. Use \"Send link now\" to "
            "send a new link.", count=revoked, visit=visit.label), "success")
    return redirect(url_for(".patient", patient_id=visit.patient_id))


# --- visit plans --------------------------------------------------------------------------------------

@bp.route("/plans", methods=["GET", "POST"])
@tag(NO_PHI)
def plans():
    form = PlanForm()
    if form.validate_on_submit():
        plan = VisitPlan(site_id=current_user.site_id, name=form.name.data.strip(), created_by_id=current_user.id)
        for position, line in enumerate(form.specs):
            plan.visits.append(PlanVisit(position=position, code=line.code, label=line.label,
                                         day_offset=line.day_offset, window_before=line.window_before,
                                         window_after=line.window_after, instruments=line.instruments,
                                         is_baseline=position == 0))
        db.session.add(plan)
        db.session.flush()
        audit.record("create", "visit_plan", plan.id, new={"name": plan.name, "visits": len(plan.visits)})
        db.session.commit()
        flash(_("Plan \"%(name)s\" created.", name=plan.name), "success")
        return redirect(url_for(".plans"))
    if request.method == "GET" and not form.visits.data:
        form.visits.data = "baseline, Baseline, 0, 0, 14\nm6, Month 6, 182, 14, 14\nm12, Month 12, 365, 14, 14"
    rows = site_plans()
    page_html = render_template("coordinator/plans.html", form=form, plans=rows)  # before the commit expires rows
    db.session.commit()
    return page_html, 400 if form.errors else 200


# --- delivery log -------------------------------------------------------------------------------------

@bp.route("/messages")
@phi_read
def messages():
    only_failed = request.args.get("show") == "failed"
    query = (select(DeliveryAttempt, Message, Patient.study_id, Patient.id.label("patient_id"), Visit.label)
             .join(Message, DeliveryAttempt.message_id == Message.id).join(Patient, Message.patient_id == Patient.id)
             .join(Visit, Message.visit_id == Visit.id).where(Patient.site_id == current_user.site_id))
    if only_failed:
        query = query.where(DeliveryAttempt.outcome.in_(("transient_error", "permanent_error")))
    rows = db.session.execute(query.order_by(DeliveryAttempt.id.desc()).limit(LOG_SIZE)).all()
    failed = db.session.execute(
        select(Message, Patient.study_id, Visit.label).join(Patient, Message.patient_id == Patient.id)
        .join(Visit, Message.visit_id == Visit.id)
        .where(Patient.site_id == current_user.site_id, Message.status == "failed")
        .order_by(Message.id.desc()).limit(LOG_SIZE)).all()
    audit.record("view", "delivery_log", current_user.site_id, new={"show": "failed"} if only_failed else None)
    page_html = render_template("coordinator/messages.html", rows=rows, failed=failed, only_failed=only_failed)
    db.session.commit()  # after rendering: committing expires the rows, which would reload one by one
    return page_html
