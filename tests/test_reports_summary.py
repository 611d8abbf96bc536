"""The clinical summary PDF says what pro_app.scoring says, fits one page, and tells what is missing and why."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from pro_app import outcomes
from pro_app.extensions import db
from pro_app.models import Answer, Patient, Signature, SurveyResponse, User, Visit
from pro_app.models.types import utcnow
from pro_app.reports import service
from pro_app.reports.bodymap import MIDLINE, SITE_POSITIONS
from pro_app.reports.summary import fmt_delta, mcid_text, short_label
from pro_app.scoring import CoreSet, Step1, acr_criss, mcid_flags, revised_criss
from tests.pdftools import embedded_files, flat_text, pdf_info, pdf_text
from tests.reports_helpers import make_long_patient

STEP1_NONE = Step1(False, False, False, False)


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "--password", "demo-password-123"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def clinician(demo):
    return db.session.scalar(select(User).where(User.email == "clinician@demo.example"))


def patient(study_id):
    return db.session.scalar(select(Patient).where(Patient.study_id == study_id))


def summary(study_id, tmp_path, **options):
    report = service.patient_summary(patient(study_id), **options)
    db.session.rollback()  # nothing to keep: the audit row is the caller's (tested with the routes)
    return report, pdf_text(report.pdf, tmp_path), flat_text(report.pdf, tmp_path)


def core_row(text: str, label: str) -> list[str]:
    """The cells of one core-items table row, as pdftotext -layout lays them out."""
    line = next(line for line in text.splitlines() if line.strip().startswith(label))
    return line.split(label, 1)[1].split()


def test_improved_patient_prints_the_scores_of_pro_app_scoring(demo, tmp_path):
    baseline, followup = CoreSet(24, 70.0, 6, 6, 1.5), CoreSet(15, 73.0, 3, 3, 1.0)  # demo.py, DEMO-001
    criss = acr_criss(baseline, followup, STEP1_NONE)
    rcriss = revised_criss(baseline, followup, STEP1_NONE)

    report, text, flat = summary("DEMO-001", tmp_path)

    assert f"ACR-CRISS {criss.criss:.3f} ({criss.criss * 100:.1f} %)" in flat
    assert "IMPROVED" in text and criss.improved
    assert f"Linear predictor {criss.linear_predictor:.2f}" in flat
    assert core_row(text, "mRSS 0-51")[:3] == ["24", "15", f"{criss.deltas['mrss']:+.0f}"]
    assert core_row(text, "FVC % predicted %")[:3] == ["70.0", "73.0", f"{criss.deltas['fvc_pct']:+.1f}"]
    assert core_row(text, "Patient global 0-10")[:3] == ["6", "3", f"{criss.deltas['pt_global']:+.0f}"]
    assert core_row(text, "Physician global 0-10")[:3] == ["6", "3", f"{criss.deltas['md_global']:+.0f}"]
    assert core_row(text, "HAQ-DI 0-3")[:3] == ["1.500", "1.000", f"{criss.deltas['haq_di']:+.3f}"]
    flags = mcid_flags(baseline, followup)
    # (the skin map's numbers share these lines of text, hence startswith)
    assert flags["mrss"].improved and " ".join(core_row(text, "mRSS 0-51")[3:]).startswith("improved ≥ MCID 5")
    assert flags["pt_global"].improved is None
    assert " ".join(core_row(text, "Patient global 0-10")[3:]).startswith("no MCID published")
    assert rcriss.responder[25] is True
    assert f"Revised CRISS-25: responder ({rcriss.improved_count[25]} of 5 items improved" in flat
    assert "Nothing: every input of both visits is present." in flat
    info = pdf_info(report.pdf, tmp_path)
    assert info["Pages"] == "1" and info["Tagged"] == "yes"  # structure for screen readers
    assert embedded_files(report.pdf, tmp_path) == "0 embedded files"


def test_not_computable_patient_says_which_input_is_missing_who_provides_it_and_why(demo, tmp_path):
    baseline, followup = CoreSet(30, 62.0, 7, 7, 1.625), CoreSet(27, None, 6, 6, 1.5)  # DEMO-002, month 6
    criss = acr_criss(baseline, followup, STEP1_NONE)

    report, text, flat = summary("DEMO-002", tmp_path)

    assert criss.computable is False and "NOT COMPUTABLE" in text
    assert "FVC % predicted at Month 6: needs the clinician's assessment – FVC % predicted not entered" in flat
    assert core_row(text, "FVC % predicted %")[:3] == ["62.0", "–", "–"]
    assert core_row(text, "HAQ-DI 0-3")[:3] == ["1.625", "1.500", f"{criss.deltas['haq_di']:+.3f}"]
    assert "Revised CRISS-25: not computable" in flat
    assert "German translation not validated" in flat  # DEMO-002 answered in German
    assert pdf_info(report.pdf, tmp_path)["Pages"] == "1"
    assert embedded_files(report.pdf, tmp_path) == "0 embedded files"


def test_step1_patient_scores_zero_and_names_the_event(demo, tmp_path):
    step1 = Step1(renal_crisis=True, fvc_decline=False, lv_failure=False, pah=False)
    criss = acr_criss(CoreSet(20, 80.0, 5, 5, 1.0), CoreSet(22, 74.0, 8, 8, 1.75), step1)  # DEMO-003, month 6

    report, text, flat = summary("DEMO-003", tmp_path)

    assert criss.criss == 0.0 and "ACR-CRISS 0.000 (0.0 %)" in flat
    assert "STEP 1 MET: NOT IMPROVED" in text
    assert "Step 1: Scleroderma renal crisis at Month 6: ACR-CRISS is 0 whatever the other changes." in flat
    assert "Revised CRISS-25: non-responder (Step 1 event)" in flat
    assert core_row(text, "HAQ-DI 0-3")[:3] == ["1.000", "1.750", "+0.750"]
    assert pdf_info(report.pdf, tmp_path)["Pages"] == "1"


@pytest.mark.parametrize("study_id", ["DEMO-001", "DEMO-002", "DEMO-003"])
def test_every_demo_state_fits_one_us_letter_page(demo, tmp_path, study_id):
    report = service.patient_summary(patient(study_id), page_size="letter")

    info = pdf_info(report.pdf, tmp_path)
    assert info["Pages"] == "1" and info["Page size"].endswith("(letter)")


def test_a_chosen_follow_up_is_compared_with_baseline(demo, tmp_path):
    expected = acr_criss(CoreSet(24, 70.0, 6, 6, 1.5), CoreSet(18, 71.5, 4, 4, 1.25), STEP1_NONE)  # month 6

    report, text, flat = summary("DEMO-001", tmp_path, followup_code="m6")

    assert f"ACR-CRISS {expected.criss:.3f}" in flat
    assert "Month 6 · planned" in flat
    assert report.inputs["followup"] == "m6" and report.filename.startswith("SScore-DEMO-001-m6-")


def test_a_patient_without_a_follow_up_gets_a_summary_that_says_so(demo, tmp_path):
    report, text, flat = summary("DEMO-004", tmp_path)
    baseline = outcomes.load_outcomes(outcomes.patient_visits(patient("DEMO-004").id))
    haq_di = next(o for o in baseline.values() if o.is_baseline).haq.haq_di

    assert "NO COMPARISON YET" in text
    assert "There is no follow-up visit with data after Baseline. Next planned: Month 3" in flat
    assert core_row(text, "HAQ-DI 0-3")[:3] == [f"{haq_di:.3f}", "–", "–"]


def test_a_patient_with_nothing_sent_yet_lists_every_missing_input_with_the_reason(demo, tmp_path):
    report, text, flat = summary("DEMO-006", tmp_path)

    assert "NO COMPARISON YET" in text
    assert ("HAQ-DI at Baseline: needs the patient's questionnaire – "
            "the patient has not sent this visit's questionnaires") in flat
    assert "mRSS at Baseline: needs the clinician's assessment – no clinician assessment has been entered" in flat


def test_a_patient_with_no_visits_at_all_still_gets_a_summary(app, site, tmp_path):
    lone = Patient(site=site, study_id="NOVISIT-1", timezone=site.timezone)
    db.session.add(lone)
    db.session.commit()

    report = service.patient_summary(lone)

    flat = flat_text(report.pdf, tmp_path)
    assert "This patient has no visits." in flat and report.filename.startswith("SScore-NOVISIT-1-none-")


def test_twelve_visits_fit_two_pages_at_most_with_a_trend_across_all_of_them(app, site, make_user, tmp_path):
    clinician = make_user("clinician")
    long = make_long_patient(site, clinician, visits=12)
    db.session.commit()

    for size in ("a4", "letter"):
        report = service.patient_summary(long, page_size=size)
        assert int(pdf_info(report.pdf, tmp_path)["Pages"]) <= 2
    flat = flat_text(report.pdf, tmp_path)
    assert "Trends across 12 visits with data" in flat
    assert "Signed by Test Clinician on" in flat and "(Reviewed and approved)" in flat


def test_the_signer_is_the_latest_valid_signature_of_the_follow_up(demo, tmp_path, clinician):
    visit = db.session.scalar(select(Visit).join(Patient).where(Patient.study_id == "DEMO-001", Visit.code == "m12"))
    now = utcnow()
    db.session.add_all([
        Signature(visit_id=visit.id, user_id=clinician.id, printed_name="Dr Old", meaning="Reviewed",
                  content_hash="a" * 64, signed_at=now - timedelta(days=2), superseded_at=now - timedelta(days=1)),
        Signature(visit_id=visit.id, user_id=clinician.id, printed_name="Dr Clara Clinician",
                  meaning="Approved as accurate", content_hash="b" * 64, signed_at=now),
    ])
    db.session.commit()

    report, text, flat = summary("DEMO-001", tmp_path)

    assert f"Signed by Dr Clara Clinician on {now:%d %b %Y %H:%M} UTC (Approved as accurate)" in flat
    assert "Dr Old" not in flat


def test_an_aid_that_raised_a_category_is_marked_with_what_raised_it(demo, tmp_path):
    visit = db.session.scalar(select(Visit).join(Patient).where(Patient.study_id == "DEMO-001", Visit.code == "m12"))
    haq = db.session.scalar(select(SurveyResponse).where(SurveyResponse.visit_id == visit.id,
                                                         SurveyResponse.instrument == "haq"))
    haq.answers.append(Answer(item_code="aid_jar_opener", value=1, answered_at=utcnow()))  # grip was 1
    db.session.commit()

    report, text, flat = summary("DEMO-001", tmp_path)

    grip = next(line for line in text.splitlines() if line.strip().startswith("Grip"))
    assert grip.split()[1:3] == ["1", "2A"]
    assert "raised to 2 by an aid or help: Grip (FU: jar opener)" in flat


def test_formatting_helpers():
    assert [fmt_delta(-9.0, 0), fmt_delta(3.0, 1), fmt_delta(-0.5, 3), fmt_delta(0.0, 1), fmt_delta(-0.0001, 3),
            fmt_delta(None, 1)] == ["-9", "+3.0", "-0.500", "0.0", "0.000", "–"]
    flags = mcid_flags(CoreSet(24, 70.0, 6, 6, 1.5), CoreSet(19, 68.0, 3, 3, 1.45))
    assert mcid_text("mrss", flags["mrss"]) == ("improved ≥ MCID 5", "improved")
    assert mcid_text("fvc_pct", flags["fvc_pct"]) == ("within MCID 3", "within")
    assert mcid_text("pt_global", flags["pt_global"]) == ("no MCID published", "none")
    assert mcid_text("haq_di", None) == ("–", "unknown")


def test_axis_labels_are_short_visit_codes():
    class V:
        def __init__(self, code, label, is_baseline=False):
            self.code, self.label, self.is_baseline = code, label, is_baseline

    assert [short_label(V("baseline", "Baseline", True)), short_label(V("m3", "Month 3")),
            short_label(V("unscheduled", "Unscheduled visit"))] == ["BL", "M3", "Unschedu"]


def test_the_body_map_puts_the_patients_right_on_the_viewers_left():
    assert len(SITE_POSITIONS) == 17
    for site, (x, _) in SITE_POSITIONS.items():
        if site.startswith("r_"):
            assert x < MIDLINE and SITE_POSITIONS["l_" + site[2:]][0] == 2 * MIDLINE - x
    assert re.fullmatch(r"\d+", str(int(SITE_POSITIONS["face"][0])))
