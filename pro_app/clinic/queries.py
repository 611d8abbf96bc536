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
    # The next visit still to happen or still open: earliest target date whose window has not closed and
    # that has no answers yet (visit.window_close and visit.patient_id are indexed).
    upcoming = (select(Visit.patient_id, func.min(Visit.target_date).label("next_date"))
                .join(Patient, Patient.id == Visit.patient_id)
                .where(*where, Visit.window_close >= today, Visit.submitted_at.is_(None))
                .group_by(Visit.patient_id).subquery())
    query = select(Patient).where(*where)
    if sort == "next_visit":
        query = (query.outerjoin(upcoming, upcoming.c.patient_id == Patient.id)
                 .order_by(upcoming.c.next_date.is_(None), upcoming.c.next_date, Patient.study_id))
    else:
        query = query.order_by(Patient.study_id)
    patients = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
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
