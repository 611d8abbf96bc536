"""Reads behind the clinician pages, each a fixed number of indexed queries whatever the number of patients.

The patient list pages in SQL (site, study-id prefix, next open visit) and then loads the page's visits and
their outcomes in a constant number of queries (`outcomes.load_outcomes`): no query per row.
"""
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select

from .. import outcomes
from ..extensions import db
from ..models import AuditEvent, Patient, Signature, Visit

PAGE_SIZE = 25
SORTS = ("next_visit", "study_id")


@dataclass(frozen=True)
class PatientRow:
    patient: Patient
    next_visit: Visit | None
    last_haq: tuple[str, float] | None  # (visit label, HAQ-DI)
    last_criss: tuple[str, object] | None  # (follow-up label, Comparison)
    outstanding: list[str]


def _prefix(column, text: str):
    """`column` starts with `text` as a range on the column, so the unique index on study_id serves it."""
    return and_(column >= text, column < text + "\U0010ffff")


def patient_page(site_id: int, search: str, sort: str, page: int, today: date) -> tuple[list[PatientRow], int]:
    """One page of the site's patients and the total number that match."""
    search = search.strip()
    where = [Patient.site_id == site_id]
    if search:
        where.append(or_(_prefix(Patient.study_id, search), _prefix(Patient.study_id, search.upper())))
    total = db.session.scalar(select(func.count(Patient.id)).where(*where))
    offset = (page - 1) * PAGE_SIZE
    if sort == "next_visit":
        patients = _by_next_visit(site_id, where, bool(search), today, offset)
    else:
        patients = db.session.scalars(select(Patient).where(*where).order_by(Patient.study_id)
                                      .limit(PAGE_SIZE).offset(offset)).all()
    if not patients:
        return [], total
    visits_by_patient: dict[int, list[Visit]] = {p.id: [] for p in patients}
    visits = db.session.scalars(select(Visit).where(Visit.patient_id.in_(visits_by_patient))
                                .order_by(Visit.patient_id, Visit.target_date)).all()
    for visit in visits:
        visits_by_patient[visit.patient_id].append(visit)
    scored = outcomes.load_outcomes(visits)
    rows = []
    for patient in patients:
        own = visits_by_patient[patient.id]
        ordered = [scored[v.id] for v in own]
        rows.append(_row(patient, own, ordered, today))
    return rows, total


def _by_next_visit(site_id: int, where: list, searching: bool, today: date, offset: int) -> list[Patient]:
    """One page of patients by the close of their most urgent visit still to do (window not closed, nothing
    sent), then those with none by study id.

    Without a search this walks visits in `window_close` order on its index and stops after the page's
    patients, so page 1 costs the same at 1,000 and 10,000 patients (a GROUP BY over every visit of the site
    grew with it). With a search the matching patients are few: aggregate over their visits.
    """
    open_visits = [Visit.window_close >= today, Visit.submitted_at.is_(None)]
    if searching:
        upcoming = (select(Visit.patient_id, func.min(Visit.window_close).label("due"))
                    .join(Patient, Patient.id == Visit.patient_id).where(*where, *open_visits)
                    .group_by(Visit.patient_id).subquery())
        query = (select(Patient).where(*where).outerjoin(upcoming, upcoming.c.patient_id == Patient.id)
                 .order_by(upcoming.c.due.is_(None), upcoming.c.due, Patient.study_id))
        return db.session.scalars(query.limit(PAGE_SIZE).offset(offset)).all()
    wanted = offset + PAGE_SIZE
    ordered: dict[int, None] = {}
    # `site_id + 0` keeps the planner off the patient.site_id index: without ANALYZE statistics SQLite would
    # otherwise start from the site's patients and sort all their visits instead of walking window_close.
    walk = (select(Visit.patient_id).join(Patient, Patient.id == Visit.patient_id)
            .where((Patient.site_id + 0) == site_id, *open_visits)
            .order_by(Visit.window_close, Visit.id).execution_options(yield_per=500))
    result = db.session.scalars(walk)
    for patient_id in result:
        ordered.setdefault(patient_id, None)
        if len(ordered) >= wanted:
            break
    result.close()
    ids = list(ordered)[offset:wanted]
    found = {p.id: p for p in db.session.scalars(select(Patient).where(Patient.id.in_(ids)))} if ids else {}
    patients = [found[i] for i in ids]
    if len(ordered) < wanted:  # every patient with a visit to do is listed: then the others, by study id
        with_visits = select(Visit.patient_id).where(*open_visits)
        skip = max(0, offset - len(ordered))
        patients += db.session.scalars(
            select(Patient).where(*where, Patient.id.not_in(with_visits)).order_by(Patient.study_id)
            .limit(PAGE_SIZE - len(patients)).offset(skip)).all()
    return patients


def _row(patient: Patient, visits: list[Visit], ordered: list, today: date) -> PatientRow:
    next_visit = next((v for v in visits if v.window_close >= today and v.submitted_at is None), None)
    haq = [(o.label, o.haq.haq_di) for o in ordered if o.haq and o.haq.haq_di is not None]
    pair = outcomes.default_pair(ordered)
    comparison = outcomes.compare(*pair) if pair else None
    if comparison:
        outstanding = [m.text for m in comparison.missing] if not comparison.criss.step1_met else []
    else:
        baseline = outcomes.baseline_outcome(ordered)
        outstanding = [m.text for m in outcomes.missing_inputs(baseline, as_followup=False)] if baseline else []
    for visit, outcome in zip(visits, ordered):
        if visit.window_close < today and not outcome.has_any_data:
            outstanding.append(f"{visit.label}: missed (no answers, no assessment)")
        elif visit.window_open <= today <= visit.window_close and not outcome.has_patient_data:
            outstanding.append(f"{visit.label}: window open until {visit.window_close.isoformat()}, "
                               "questionnaires not sent yet")
    return PatientRow(patient, next_visit, haq[-1] if haq else None,
                      (comparison.followup.label, comparison) if comparison else None, outstanding)


def site_patient(patient_id: int, site_id: int) -> Patient | None:
    return db.session.scalar(select(Patient).where(Patient.id == patient_id, Patient.site_id == site_id))


def site_visit(visit_id: int, site_id: int) -> Visit | None:
    return db.session.scalar(select(Visit).join(Patient).where(Visit.id == visit_id, Patient.site_id == site_id))


def valid_signature(visit_id: int) -> Signature | None:
    return db.session.scalar(select(Signature).where(Signature.visit_id == visit_id,
                                                     Signature.superseded_at.is_(None))
                             .order_by(Signature.signed_at.desc(), Signature.id.desc()).limit(1))


def signature_history(visit_id: int) -> list[Signature]:
    return list(db.session.scalars(select(Signature).where(Signature.visit_id == visit_id)
                                   .order_by(Signature.signed_at, Signature.id)))


def corrected_fields(patient_id: int, assessment_id: int) -> dict[str, list[AuditEvent]]:
    """Clinician fields changed after they were saved, with the audit rows that did it (newest last)."""
    rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.patient_id == patient_id, AuditEvent.action == "correct",
        AuditEvent.entity == "clinician_assessment", AuditEvent.entity_id == str(assessment_id))
        .order_by(AuditEvent.id))
    found: dict[str, list[AuditEvent]] = {}
    for row in rows:
        old = json.loads(row.old_value or "{}")
        for name, value in old.items():
            if value is not None:  # an empty field filled in the same save is an entry, not a correction
                found.setdefault(name, []).append(row)
    return found
