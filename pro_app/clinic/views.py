"""Clinician workspace (blueprint "clinic"): patient list, patient page, visit page with the assessment form,
comparison of any two visits, corrections, baseline lock, sign-off and unlock.

Site-scoped: another site's patient or visit is 404. Each request that reaches a patient writes exactly one
audit row; a save records every changed field (old and new) in that row, with the reason for a correction.
Scores come from `pro_app.outcomes` and the wording from `pro_app.reports.summary`, as in the PDF.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields import SelectChoice

from .. import audit, outcomes
from ..auth.decorators import require_role
from ..auth.passwords import verify_password
from ..extensions import db
from ..models import ClinicianAssessment, Signature
from ..models.types import utcnow
from ..policy import phi_read, phi_write
from ..reports import summary
from ..reports.labels import HAQ_ITEM_LABELS, MRSS_SITE_LABELS, STEP1_EVENT_LABELS, VAS_LABELS
from ..scheduling import local_today
from . import queries, rules
from .forms import AssessmentForm, BaselineForm, CorrectAnswerForm, SignForm, UnlockForm, assessment_values

bp = Blueprint("clinic", __name__, url_prefix="/clinic")
# How an assessment field is named on the page (conflict list, "corrected" marks).
FIELD_LABELS = {**{f"mrss_{site}": f"mRSS {label.lower()}" for site, label in MRSS_SITE_LABELS.items()},
                "fvc_pct": "FVC % predicted", "fvc_equation": "FVC reference equation",
                "md_global": "Physician global", **STEP1_EVENT_LABELS}
bp.before_request(require_role("clinician"))


def _today(timezone: str):
    return local_today(utcnow(), timezone)


@bp.route("/patients")
@phi_read
def patients():
    search = request.args.get("q", "")[:40]
    sort = request.args.get("sort", "next_visit")
    sort = sort if sort in queries.SORTS else "next_visit"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows, total = queries.patient_page(current_user.site_id, search, sort, page, _today(current_user.site.timezone))
    pages = max((total + queries.PAGE_SIZE - 1) // queries.PAGE_SIZE, 1)
    audit.record("view", "patient_list", current_user.site_id,
                 new={"q": search, "sort": sort, "page": page, "shown": len(rows)})
    # Rendered before the commit, which would expire the loaded rows and reload them one by one.
    html = render_template("clinic/patients.html", rows=rows, total=total, page=page, pages=pages, search=search,
                           sort=sort)
    db.session.commit()
    return html


def _patient_or_404(patient_id):
    patient = queries.site_patient(patient_id, current_user.site_id)
    if patient is None:
        abort(404)
    return patient


def _visit_or_404(visit_id):
    visit = queries.site_visit(visit_id, current_user.site_id)
    if visit is None:
        abort(404)
    return visit


def _patient_context(patient):
    visits = outcomes.patient_visits(patient.id)
    by_id = outcomes.load_outcomes(visits)
    ordered = [by_id[v.id] for v in visits]
    return visits, ordered


def _patient_page(patient, baseline_form=None, status=200, problems=()):
    visits, ordered = _patient_context(patient)
    today = _today(patient.timezone)
    baseline = outcomes.baseline_outcome(ordered)
    with_data = [o for o in ordered if o.has_any_data]
    timeline = [{"visit": v, "outcome": o,
                 "state": rules.timeline_state(v.window_open, v.window_close, today, o.has_any_data)}
                for v, o in zip(visits, ordered)]
    baseline_visit = next((v for v in visits if baseline and v.id == baseline.visit_id), None)
    if baseline_form is None:
        baseline_form = BaselineForm()
        if baseline_visit:
            baseline_form.visit.data = str(baseline_visit.id)
    baseline_form.visit.choices = [SelectChoice(str(v.id), v.label) for v in visits]
    return render_template("clinic/patient.html", patient=patient, timeline=timeline, baseline=baseline,
                           baseline_visit=baseline_visit, charts=summary.trend_charts(with_data, baseline)
                           if with_data else [], pair=outcomes.default_pair(ordered), baseline_form=baseline_form,
                           problems=problems, page_has_errors=bool(problems)), status


@bp.route("/patients/<int:patient_id>")
@phi_read
def patient_detail(patient_id):
    patient = _patient_or_404(patient_id)
    audit.record("view", "patient", patient.id, patient_id=patient.id)
    page = _patient_page(patient)
    db.session.commit()
    return page


@bp.route("/patients/<int:patient_id>/baseline", methods=["POST"])
@phi_write
def baseline(patient_id):
    """Lock the baseline, or move it to another visit (a reason is needed when it is locked)."""
    patient = _patient_or_404(patient_id)
    visits = outcomes.patient_visits(patient.id)
    form = BaselineForm()
    form.visit.choices = [SelectChoice(str(v.id), v.label) for v in visits]
    current = next((v for v in visits if v.is_baseline), None)
    if not form.validate_on_submit() or form.action.data not in ("lock", "change"):
        audit.record("change_refused", "baseline", patient.id, patient_id=patient.id, reason="invalid form")
        db.session.commit()
        abort(400)
    if form.action.data == "lock":
        current = current or (visits[0] if visits else None)
        if current is None or current.baseline_locked_at is not None:
            audit.record("change_refused", "baseline", patient.id, patient_id=patient.id,
                         reason="no unlocked baseline")
            db.session.commit()
            abort(400)
        current.is_baseline = True  # a plan without a flagged baseline: the earliest visit, as on the page
        current.baseline_locked_at = utcnow()
        audit.record("lock", "baseline", current.id, patient_id=patient.id, field="baseline_locked_at",
                     old=None, new=current.baseline_locked_at)
        db.session.commit()
        flash(_("Baseline %(visit)s locked.", visit=current.label), "success")
        return redirect(url_for(".patient_detail", patient_id=patient.id))
    target = next(v for v in visits if str(v.id) == form.visit.data)
    reason = (form.reason.data or "").strip()
    locked = current is not None and current.baseline_locked_at is not None
    if locked and not reason:
        audit.record("change_refused", "baseline", patient.id, patient_id=patient.id,
                     reason="locked baseline: no reason given")
        page = _patient_page(patient, form, status=400, problems=[(
            "baseline-reason", _("The baseline is locked: enter the reason for changing it. Nothing was changed."))])
        db.session.commit()
        return page
    if current is not None and current.id == target.id:
        audit.record("change_refused", "baseline", patient.id, patient_id=patient.id, reason="same visit")
        db.session.commit()
        flash(_("%(visit)s is already the baseline.", visit=target.label), "info")
        return redirect(url_for(".patient_detail", patient_id=patient.id))
    lock_at = current.baseline_locked_at if current else None
    if current is not None:
        current.is_baseline, current.baseline_locked_at = False, None
    db.session.flush()
    target.is_baseline, target.baseline_locked_at = True, lock_at
    audit.record("correct" if locked else "update", "baseline", target.id, patient_id=patient.id,
                 field="baseline_visit", old=current.code if current else None, new=target.code,
                 reason=reason or None)
    db.session.commit()
    flash(_("Baseline is now %(visit)s.", visit=target.label), "success")
    return redirect(url_for(".patient_detail", patient_id=patient.id))


def _assessment_form(assessment, formdata=None):
    form = AssessmentForm(formdata=formdata)
    stored = assessment.fvc_equation if assessment else None
    if stored and stored not in [choice.value for choice in form.fvc_equation.choices]:
        form.fvc_equation.choices = [*form.fvc_equation.choices, SelectChoice(stored, stored)]  # e.g. imported
    if formdata is None:
        if assessment is not None:
            for name in rules.ASSESSMENT_FIELDS:
                value = getattr(assessment, name)
                if name == "fvc_equation":
                    value = value or ""
                form[name].data = value
            form.version.data = str(assessment.version)
        else:
            form.version.data = "0"
    return form


def _saved_values(assessment) -> dict:
    return {} if assessment is None else {name: getattr(assessment, name) for name in rules.ASSESSMENT_FIELDS}


def _visit_page(visit, form=None, correct_form=None, status=200, conflict=None, problems=()):
    patient = visit.patient
    visits, ordered = _patient_context(patient)
    outcome = next(o for o in ordered if o.visit_id == visit.id)
    baseline = outcomes.baseline_outcome(ordered)
    assessment = visit.assessment
    signature = queries.valid_signature(visit.id)
    form = form or _assessment_form(assessment)
    correctable = _correctable_answers(visit)
    correct_form = correct_form or CorrectAnswerForm()
    correct_form.item.choices = [SelectChoice(code, label) for code, label, _a in correctable]
    is_followup = baseline is not None and outcome.target_date > baseline.target_date
    hint = rules.fvc_decline_hint(baseline.fvc_pct, outcome.fvc_pct) if is_followup else None
    corrected = queries.corrected_fields(patient.id, assessment.id) if assessment else {}
    sites = [{"name": f"mrss_{site}", "site": site, "label": MRSS_SITE_LABELS[site]} for site in rules.BODY_ORDER]
    return render_template(
        "clinic/visit.html", patient=patient, visit=visit, outcome=outcome, baseline=baseline,
        is_followup=is_followup, form=form, correct_form=correct_form, sign_form=SignForm(),
        unlock_form=UnlockForm(), signature=signature, history=queries.signature_history(visit.id),
        haq_rows=summary.haq_rows([outcome]), vas_rows=summary.vas_rows([outcome]),
        other_aids=summary.other_aids([outcome]), fvc_hint=hint, corrected=corrected, conflict=conflict,
        sites=sites, step1_labels=STEP1_EVENT_LABELS, field_labels=FIELD_LABELS, correctable=correctable,
        problems=problems,
        page_has_errors=bool(problems) or bool(form.errors) or bool(correct_form.errors),
    ), status


def _correctable_answers(visit):
    """(code, label, answer) for every stored answer of a submitted questionnaire (free text excluded)."""
    found = []
    for response in sorted(visit.responses, key=lambda r: r.instrument):
        if response.status != "submitted":
            continue
        for answer in response.answers:
            if rules.answer_range(answer.item_code) is None:
                continue
            label = (HAQ_ITEM_LABELS.get(answer.item_code) or VAS_LABELS.get(answer.item_code)
                     or answer.item_code.replace("_", " "))
            found.append((answer.item_code, f"{label} ({answer.item_code})", answer))
    return found


@bp.route("/visits/<int:visit_id>")
@phi_read
def visit_detail(visit_id):
    visit = _visit_or_404(visit_id)
    audit.record("view", "visit", visit.id, patient_id=visit.patient_id)
    page = _visit_page(visit)
    db.session.commit()
    return page


@bp.route("/visits/<int:visit_id>/assessment", methods=["POST"])
@phi_write
def save_assessment(visit_id):
    visit = _visit_or_404(visit_id)
    assessment = visit.assessment
    form = _assessment_form(assessment, request.form)
    if queries.valid_signature(visit.id) is not None:
        audit.record("change_refused", "clinician_assessment", visit.id, patient_id=visit.patient_id,
                     reason="visit signed")
        page = _visit_page(visit, form=form, status=409, problems=[
            (None, _("This visit is signed and read-only. Unlock it (with a reason) before changing it."))])
        db.session.commit()
        return page
    if not form.validate_on_submit():
        audit.record("change_refused", "clinician_assessment", visit.id, patient_id=visit.patient_id,
                     reason="invalid form")
        page = _visit_page(visit, form=form, status=400)
        db.session.commit()
        return page
    current_version = assessment.version if assessment else 0
    if form.version.data != str(current_version):
        return _conflict(visit, assessment, form)
    values = assessment_values(form)
    saved = _saved_values(assessment)
    if visit.is_baseline:  # the form asks no Step-1 questions at baseline: keep what is stored
        values.update({name: saved.get(name) for name in rules.STEP1_FIELDS})
    change = rules.assessment_change(saved, values)
    reason = (form.reason.data or "").strip()
    if change.needs_reason and not reason:
        form.reason.errors.append(_("Enter the reason for correcting a saved value"))
        audit.record("change_refused", "clinician_assessment", visit.id, patient_id=visit.patient_id,
                     reason="correction without a reason", changes=change.changes)
        page = _visit_page(visit, form=form, status=400)
        db.session.commit()
        return page
    if not change.changes:
        audit.record("save_unchanged", "clinician_assessment", assessment.id if assessment else visit.id,
                     patient_id=visit.patient_id)
        db.session.commit()
        flash(_("Nothing changed."), "info")
        return redirect(url_for(".visit_detail", visit_id=visit.id, _anchor="assessment"))
    if assessment is None:
        assessment = ClinicianAssessment(visit=visit, assessed_on=_today(visit.patient.timezone))
        db.session.add(assessment)
    for name, (_old, new) in change.changes.items():
        setattr(assessment, name, new)
    assessment.updated_at, assessment.updated_by_id = utcnow(), current_user.id
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError):  # another save got in between our read and this write
        db.session.rollback()
        visit = _visit_or_404(visit_id)
        return _conflict(visit, visit.assessment, form)
    audit.record("correct" if change.needs_reason else "update", "clinician_assessment", assessment.id,
                 patient_id=visit.patient_id, changes=change.changes, reason=reason or None)
    db.session.commit()
    flash(_("Assessment saved."), "success")
    return redirect(url_for(".visit_detail", visit_id=visit.id, _anchor="assessment"))


def _conflict(visit, assessment, form):
    """Someone saved since this form was opened: keep the user's entries, show the newer saved values."""
    newer = _saved_values(assessment)
    mine = assessment_values(form)
    differing = [(name, newer.get(name), mine.get(name)) for name in rules.ASSESSMENT_FIELDS
                 if newer.get(name) != mine.get(name)]
    by = assessment.updated_by.name if assessment and assessment.updated_by else None
    conflict = {"differing": differing, "by": by, "at": assessment.updated_at if assessment else None}
    form.version.data = str(assessment.version if assessment else 0)
    audit.record("change_refused", "clinician_assessment", visit.id, patient_id=visit.patient_id,
                 reason="stale version (edited by someone else)")
    page = _visit_page(visit, form=form, status=409, conflict=conflict)
    db.session.commit()
    return page


@bp.route("/visits/<int:visit_id>/answers", methods=["POST"])
@phi_write
def correct_answer(visit_id):
    """Correct one submitted patient answer: the original stays on the answer and in the audit trail."""
    visit = _visit_or_404(visit_id)
    correctable = _correctable_answers(visit)
    form = CorrectAnswerForm()
    form.item.choices = [SelectChoice(code, label) for code, label, _a in correctable]
    problems = []
    if queries.valid_signature(visit.id) is not None:
        problems.append((None, _("This visit is signed and read-only. Unlock it (with a reason) before "
                                 "changing it.")))
    elif form.validate_on_submit():
        answer = next(a for code, _label, a in correctable if code == form.item.data)
        low, high = rules.answer_range(answer.item_code)
        if not form.reason.data.strip():
            form.reason.errors.append(_("Enter the reason for the correction"))
        elif not low <= form.value.data <= high:
            form.value.errors.append(_("Enter a value from %(low)s to %(high)s", low=low, high=high))
        elif not answer.skipped and answer.value == form.value.data:
            form.value.errors.append(_("The corrected value is the same as the stored one"))
        else:
            old = answer.display_value
            if answer.corrected_at is None:
                answer.original_value, answer.original_skipped = answer.value, answer.skipped
            answer.value, answer.skipped = form.value.data, False
            answer.corrected_at, answer.corrected_by_id = utcnow(), current_user.id
            audit.record("correct", "answer", answer.id, patient_id=visit.patient_id, field=answer.item_code,
                         old=old, new=answer.value, reason=form.reason.data.strip())
            db.session.commit()
            flash(_("Answer corrected."), "success")
            return redirect(url_for(".visit_detail", visit_id=visit.id, _anchor="answers"))
    audit.record("change_refused", "answer", visit.id, patient_id=visit.patient_id,
                 reason="signed visit" if problems else "invalid correction")
    status = 409 if problems else 400
    page = _visit_page(visit, correct_form=form, status=status, problems=problems)
    db.session.commit()
    return page


def _signed_content(visit):
    answers = {}
    for response in visit.responses:
        if response.status == "submitted":
            for answer in response.answers:
                answers[f"{response.instrument}.{answer.item_code}"] = answer.display_value
    return rules.signed_content(visit.code, answers, _saved_values(visit.assessment) if visit.assessment else None)


@bp.route("/visits/<int:visit_id>/sign", methods=["POST"])
@phi_write
def sign(visit_id):
    visit = _visit_or_404(visit_id)
    form = SignForm()
    problems = []
    if queries.valid_signature(visit.id) is not None:
        problems.append((None, _("This visit is already signed.")))
    elif visit.assessment is None and visit.submitted_at is None:
        problems.append((None, _("There is nothing to sign at this visit yet.")))
    elif not form.validate_on_submit():
        problems.append(("sign-password", _("Enter your password to sign")))
    elif not current_user.is_active or not verify_password(current_user.password_hash, form.password.data):
        problems.append(("sign-password", _("The password is not correct")))
    if problems:
        # Failed signature attempts are logged (21 CFR 11.300(d)).
        audit.record("sign_refused", "visit", visit.id, patient_id=visit.patient_id, reason=str(problems[0][1]))
        status = 400 if problems[0][0] else 409
        page = _visit_page(visit, status=status, problems=problems)
        db.session.commit()
        return page
    _content, digest = _signed_content(visit)
    signature = Signature(visit=visit, user_id=current_user.id, printed_name=current_user.name,
                          meaning=form.meaning.data, signed_at=utcnow(), content_hash=digest)
    db.session.add(signature)
    db.session.flush()
    audit.record("sign", "visit", visit.id, patient_id=visit.patient_id,
                 new={"signature": signature.id, "meaning": signature.meaning, "sha256": digest})
    db.session.commit()
    flash(_("Visit signed."), "success")
    return redirect(url_for(".visit_detail", visit_id=visit.id))


@bp.route("/visits/<int:visit_id>/unlock", methods=["POST"])
@phi_write
def unlock(visit_id):
    visit = _visit_or_404(visit_id)
    form = UnlockForm()
    signature = queries.valid_signature(visit.id)
    if signature is None or not form.validate_on_submit() or not form.reason.data.strip():
        audit.record("unlock_refused", "visit", visit.id, patient_id=visit.patient_id,
                     reason="not signed" if signature is None else "no reason given")
        problems = [(None, _("This visit is not signed."))] if signature is None else \
            [("unlock-reason", _("Enter the reason for unlocking this visit"))]
        page = _visit_page(visit, status=400, problems=problems)
        db.session.commit()
        return page
    signature.superseded_at, signature.superseded_by_id = utcnow(), current_user.id
    signature.superseded_reason = form.reason.data.strip()
    audit.record("unlock", "visit", visit.id, patient_id=visit.patient_id, field="signature",
                 old=signature.id, new=None, reason=signature.superseded_reason)
    db.session.commit()
    flash(_("Visit unlocked: the signature is superseded and the visit can be changed."), "success")
    return redirect(url_for(".visit_detail", visit_id=visit.id))


@bp.route("/patients/<int:patient_id>/compare")
@phi_read
def compare(patient_id):
    """Any two visits of the patient (default: baseline against the latest visit with data)."""
    patient = _patient_or_404(patient_id)
    visits, ordered = _patient_context(patient)
    by_code = {o.code: o for o in ordered}
    first, second = request.args.get("from"), request.args.get("to")
    problem = None
    if first or second:
        pair = (by_code.get(first), by_code.get(second))
        if None in pair:
            audit.record("view_refused", "comparison", patient.id, patient_id=patient.id, reason="unknown visit")
            db.session.commit()
            abort(404)
        if pair[0].target_date >= pair[1].target_date:
            problem = _("The second visit must be later than the first.")
            pair = None
    else:
        pair = outcomes.default_pair(ordered)
    comparison = outcomes.compare(*pair) if pair else None
    context = {}
    if comparison:
        context = {
            "result": summary.result_summary(comparison),
            "core_rows": summary.core_rows(comparison.baseline, comparison.followup, comparison),
            "missing": outcomes.explained_missing(comparison),
            "rcriss_rows": _rcriss_rows(comparison),
        }
    audit.record("view", "comparison", patient.id, patient_id=patient.id,
                 new={"from": pair[0].code if pair else first, "to": pair[1].code if pair else second})
    html = render_template("clinic/compare.html", patient=patient, visits=visits, comparison=comparison,
                           pair=pair, problem=problem, **context)
    db.session.commit()
    return html, 400 if problem else 200


def _rcriss_rows(comparison):
    """Revised CRISS per core item and threshold: improved / worsened / no change / missing."""
    from ..scoring import THRESHOLDS

    rcriss = comparison.rcriss
    rows = []
    for row in summary.core_rows(comparison.baseline, comparison.followup, comparison):
        cells = []
        for threshold in THRESHOLDS:
            change = rcriss.items.get(threshold, {}).get(row.item)
            cells.append("missing" if change is None else "improved" if change.improved
                         else "worsened" if change.worsened else "unchanged")
        change = rcriss.items.get(THRESHOLDS[0], {}).get(row.item)
        relative = "" if change is None or change.change_pct is None else f" ({change.change_pct:+.1f} %)"
        rows.append({"label": row.label, "cells": cells, "change": row.delta + relative})
    return rows

