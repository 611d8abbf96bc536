"""The response sheet: every answer as given, skips, corrections with their reason, the clinician's values."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from pro_app import audit
from pro_app.extensions import db
from pro_app.models import MRSS_SITE_CODES, STEP1_CODES, Answer, Patient, Signature, User, Visit
from pro_app.models.types import utcnow
from pro_app.reports import labels, service
from pro_app.scoring import HAQ_AIDS, HAQ_CATEGORIES, HAQ_ITEMS
from tests.pdftools import flat_text, pdf_info


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "--password", "demo-password-123"])
    assert result.exit_code == 0, result.output


def visit(study_id, code):
    return db.session.scalar(select(Visit).join(Patient).where(Patient.study_id == study_id, Visit.code == code))


def sheet_text(v, tmp_path):
    report = service.response_sheet(v)
    db.session.rollback()
    return report, flat_text(report.pdf, tmp_path)


def test_answers_are_printed_as_given_with_the_clinicians_assessment(demo, tmp_path):
    report, text = sheet_text(visit("DEMO-001", "m12"), tmp_path)

    assert "Patient global assessment (0-10) pt_global 3" in text
    assert "Dress yourself, including shoelaces and buttons dress With much difficulty (2)" in text
    assert "Aid or device: Cane aid_cane" not in text  # DEMO-001 used no cane at month 12
    assert "Pain (VAS 0-100) pain 26" in text
    assert "mRSS total 15" in text and "FVC % predicted 73.0" in text and "Physician global (0-10) 3" in text
    assert "Step 1: Scleroderma renal crisis no" in text
    assert "This visit has not been signed." in text
    assert report.filename.startswith("SScore-DEMO-001-m12-responses-")
    assert int(pdf_info(report.pdf, tmp_path)["Pages"]) <= 2


def test_a_skip_is_prefer_not_to_answer_and_a_correction_shows_original_who_when_and_why(demo, tmp_path):
    v = visit("DEMO-001", "m12")
    clinician = db.session.scalar(select(User).where(User.email == "clinician@demo.example"))
    haq = next(r for r in v.responses if r.instrument == "haq")
    answers = {a.item_code: a for a in haq.answers}
    answers["shampoo"].skipped, answers["shampoo"].value = True, None
    dress = answers["dress"]
    dress.original_value, dress.original_skipped, dress.value = dress.value, False, 3
    dress.corrected_at, dress.corrected_by_id = utcnow(), clinician.id
    audit.record("correct", "answer", dress.id, patient_id=v.patient_id, old=2, new=3,
                 reason="Patient phoned: meant 'unable to do'")
    db.session.commit()

    report, text = sheet_text(v, tmp_path)

    assert "Shampoo your hair shampoo Prefer not to answer" in text
    assert "Dress yourself, including shoelaces and buttons dress Unable to do (3)" in text
    assert ("Patient gave: With much difficulty (2). Corrected by Dr Clara Clinician on "
            f"{dress.corrected_at:%d %b %Y %H:%M} UTC. Reason: “Patient phoned: meant 'unable to do'”") in text


def test_a_draft_is_not_shown_as_answers(demo, tmp_path):
    report, text = sheet_text(visit("DEMO-005", "baseline"), tmp_path)

    assert "answers saved as a draft. A draft is not the patient's answer until it is sent" in text
    assert "With much difficulty" not in text
    assert "No clinician assessment has been entered for this visit." in text


def test_every_signature_is_listed_with_superseded_ones_marked(demo, tmp_path):
    v = visit("DEMO-003", "m6")
    clinician = db.session.scalar(select(User).where(User.email == "clinician@demo.example"))
    now = utcnow()
    db.session.add_all([
        Signature(visit_id=v.id, user_id=clinician.id, printed_name="Dr Clara Clinician", meaning="Reviewed",
                  content_hash="a" * 64, signed_at=now - timedelta(hours=2), superseded_at=now - timedelta(hours=1),
                  superseded_reason="FVC corrected"),
        Signature(visit_id=v.id, user_id=clinician.id, printed_name="Dr Clara Clinician", meaning="Approved",
                  content_hash="b" * 64, signed_at=now),
    ])
    db.session.commit()

    report, text = sheet_text(v, tmp_path)

    assert f"(Reviewed) – superseded on {now - timedelta(hours=1):%d %b %Y %H:%M} UTC: “FVC corrected”" in text
    assert f"Signed by Dr Clara Clinician on {now:%d %b %Y %H:%M} UTC (Approved)" in text


def test_a_german_questionnaire_is_marked_as_an_unvalidated_translation(demo, tmp_path):
    report, text = sheet_text(visit("DEMO-002", "baseline"), tmp_path)

    assert "v1.0 · de (German translation not validated)" in text


def test_every_stored_code_has_words():
    item_codes = {code for codes in HAQ_ITEMS.values() for code in codes}

    assert set(labels.HAQ_ITEM_LABELS) == item_codes
    assert set(labels.HAQ_CATEGORY_LABELS) == set(HAQ_CATEGORIES) and set(labels.AID_LABELS) == set(HAQ_AIDS)
    assert set(labels.MRSS_SITE_LABELS) == set(MRSS_SITE_CODES)
    assert set(labels.STEP1_EVENT_LABELS) == set(STEP1_CODES)
    assert labels.item_label("aid_walker") == "Aid or device: Walker"
    assert labels.item_label("help_grip") == "Help from another person: Grip"
    assert labels.item_label("new_item_2027") == "new_item_2027"
    assert labels.translation_status("haq", "en") == "original (English)"
    assert labels.translation_status("haq", "fr") == "fr translation not validated"


def test_an_answer_row_never_stored_is_not_invented(demo, tmp_path):
    v = visit("DEMO-001", "baseline")
    before = {a.item_code for r in v.responses for a in r.answers}

    report, text = sheet_text(v, tmp_path)

    assert "aid_other" not in before and "aid_other" not in text
    assert Answer  # the sheet lists stored rows only; an item never shown has no row (models.survey)
