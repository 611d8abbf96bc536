"""Read a site's records in batches of patients, with a fixed number of queries per batch.

Every export (CSV, FHIR, the API's per-patient views) reads through `iter_batches`: patients in study-id order,
`EXPORT_BATCH_SIZE` at a time (keyset pagination, so batch 500 costs what batch 1 costs), each batch with its
visits, enrolment, submitted answers and the scores from `pro_app.outcomes.load_outcomes`. No query runs per
patient or per visit, and nothing is kept from one batch to the next (the session's identity map is weak), so a
site of 10,000 patients streams in bounded memory.

Only *submitted* questionnaires are exported, as in `outcomes`: a draft the patient has not sent is not yet
their answer.
"""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import Answer, ClinicianAssessment, Enrollment, Patient, Site, SurveyResponse, Visit, VisitPlan
from ..outcomes import VisitOutcome, load_outcomes


@dataclass(frozen=True)
class AnswerRecord:
    item: str
    value: int | None
    skipped: bool
    text: str | None
    answered_at: datetime
    corrected_at: datetime | None
    original_value: int | None
    original_skipped: bool | None


@dataclass(frozen=True)
class ResponseRecord:
    id: int
    visit_id: int
    instrument: str
    version: str
    language: str
    started_at: datetime
    submitted_at: datetime | None
    answers: tuple[AnswerRecord, ...]

    @property
    def corrected(self) -> bool:
        return any(answer.corrected_at is not None for answer in self.answers)


@dataclass(frozen=True)
class Enrolment:
    plan: str
    anchor_date: date
    enrolled_at: datetime


@dataclass
class Batch:
    """One batch of patients and everything the exports say about them."""

    patients: list[Patient]
    sites: dict[int, Site]
    enrolments: dict[int, Enrolment]  # patient id ->
    visits: dict[int, list[Visit]]  # patient id -> visits in schedule order
    outcomes: dict[int, VisitOutcome]  # visit id ->
    responses: dict[int, list[ResponseRecord]]  # visit id -> submitted responses
    assessed_on: dict[int, date | None]  # visit id -> date of the clinician's assessment


def _sort_answers(instrument: str, answers: list[AnswerRecord]) -> tuple[AnswerRecord, ...]:
    """Questionnaire order (the instrument's stored codes), then anything unknown in the order it was saved."""
    from ..instruments import INSTRUMENTS

    known = INSTRUMENTS.get(instrument)
    order = {code: n for n, code in enumerate(known.stored_codes)} if known else {}
    return tuple(sorted(answers, key=lambda a: order.get(a.item, len(order))))


def response_record(response: SurveyResponse) -> ResponseRecord:
    """One ORM response (with its answers) in the exports' shape."""
    answers = [AnswerRecord(a.item_code, a.value, bool(a.skipped), a.text, a.answered_at, a.corrected_at,
                            a.original_value, a.original_skipped) for a in response.answers]
    return ResponseRecord(response.id, response.visit_id, response.instrument, response.version, response.language,
                          response.started_at, response.submitted_at, _sort_answers(response.instrument, answers))


def load_batch(patients: list[Patient], sites: dict[int, Site]) -> Batch:
    """Everything about `patients` in eight queries, whatever their number of visits and answers."""
    patient_ids = [patient.id for patient in patients]
    visits: dict[int, list[Visit]] = {pid: [] for pid in patient_ids}
    all_visits = db.session.scalars(select(Visit).where(Visit.patient_id.in_(patient_ids))
                                    .order_by(Visit.patient_id, Visit.target_date, Visit.position, Visit.id)).all()
    for visit in all_visits:
        visits[visit.patient_id].append(visit)

    enrolments = {row.patient_id: Enrolment(row.name, row.anchor_date, row.enrolled_at) for row in db.session.execute(
        select(Enrollment.patient_id, VisitPlan.name, Enrollment.anchor_date, Enrollment.enrolled_at)
        .join(VisitPlan, VisitPlan.id == Enrollment.plan_id).where(Enrollment.patient_id.in_(patient_ids)))}

    submitted = (SurveyResponse.status == "submitted", Visit.patient_id.in_(patient_ids))
    answers: dict[int, list[AnswerRecord]] = {}
    for row in db.session.execute(
        select(Answer.response_id, Answer.item_code, Answer.value, Answer.skipped, Answer.text, Answer.answered_at,
               Answer.corrected_at, Answer.original_value, Answer.original_skipped)
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id).join(Visit, Visit.id == SurveyResponse.visit_id)
        .where(*submitted).order_by(Answer.response_id, Answer.id)
    ):
        answers.setdefault(row.response_id, []).append(AnswerRecord(
            row.item_code, row.value, bool(row.skipped), row.text, row.answered_at, row.corrected_at,
            row.original_value, row.original_skipped))
    responses: dict[int, list[ResponseRecord]] = {visit.id: [] for visit in all_visits}
    for row in db.session.execute(
        select(SurveyResponse.id, SurveyResponse.visit_id, SurveyResponse.instrument, SurveyResponse.version,
               SurveyResponse.language, SurveyResponse.started_at, SurveyResponse.submitted_at)
        .join(Visit, Visit.id == SurveyResponse.visit_id).where(*submitted)
        .order_by(SurveyResponse.visit_id, SurveyResponse.id)
    ):
        responses[row.visit_id].append(ResponseRecord(
            row.id, row.visit_id, row.instrument, row.version, row.language, row.started_at, row.submitted_at,
            _sort_answers(row.instrument, answers.get(row.id, []))))

    assessed_on = dict(db.session.execute(
        select(ClinicianAssessment.visit_id, ClinicianAssessment.assessed_on)
        .join(Visit, Visit.id == ClinicianAssessment.visit_id).where(Visit.patient_id.in_(patient_ids))).all())
    return Batch(patients=patients, sites=sites, enrolments=enrolments, visits=visits,
                 outcomes=load_outcomes(all_visits), responses=responses, assessed_on=assessed_on)


def iter_batches(sites: Iterable[Site], batch_size: int = 200,
                 patient_ids: Iterable[int] | None = None) -> Iterator[Batch]:
    """Batches of the patients of `sites` (optionally only `patient_ids`), in study-id order."""
    by_id = {site.id: site for site in sites}
    if not by_id:
        return
    query = select(Patient).where(Patient.site_id.in_(list(by_id))).order_by(Patient.study_id).limit(batch_size)
    if patient_ids is not None:
        query = query.where(Patient.id.in_(list(patient_ids)))
    last = None
    while True:
        page = query if last is None else query.where(Patient.study_id > last)
        patients = db.session.scalars(page).all()
        if not patients:
            return
        yield load_batch(patients, by_id)
        if len(patients) < batch_size:
            return
        last = patients[-1].study_id
