"""A clinician on a tablet enters a full assessment (17 mRSS sites, FVC, physician global, Step 1) and reads the
ACR-CRISS result, in real Chromium; the number equals pro_app.scoring on the same inputs."""
from sqlalchemy import select

from pro_app import outcomes
from pro_app.extensions import db
from pro_app.models import ClinicianAssessment, Patient, Visit
from pro_app.scoring import CoreSet, Step1, acr_criss
from tests.browser.conftest import axe

PASSWORD = "demo-password-123"
SITES = ("face", "chest", "abdomen", "l_fingers", "r_fingers", "l_hand_dorsum", "r_hand_dorsum", "l_forearm",
         "r_forearm", "l_upper_arm", "r_upper_arm", "l_thigh", "r_thigh", "l_lower_leg", "r_lower_leg",
         "l_foot_dorsum", "r_foot_dorsum")


def test_a_clinician_enters_a_full_assessment_on_a_tablet_and_reads_criss(runner, live_server, tablet):
    assert runner.invoke(args=["demo", "--password", PASSWORD]).exit_code == 0
    m6 = db.session.scalar(select(Visit).join(Patient).where(Patient.study_id == "DEMO-002", Visit.code == "m6"))
    db.session.delete(db.session.scalar(select(ClinicianAssessment).where(ClinicianAssessment.visit_id == m6.id)))
    db.session.commit()
    page = tablet.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "clinician@demo.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/clinic/patients")

    page.goto(f"{live_server}/clinic/visits/{m6.id}")
    for site in SITES:  # 1 everywhere except 2 on the fingers
        page.tap(f"label[for=mrss_{site}-{2 if site.endswith('fingers') else 1}]")
    page.fill("#fvc_pct", "64.5")
    page.select_option("#fvc_equation", "GLI-2012")
    page.tap("#md_global-4")  # the NRS input covers its box
    for event in ("renal_crisis", "fvc_decline", "lv_failure", "pah"):
        page.tap(f"label[for={event}-1]")  # No
    assert axe(page) == []
    page.click("text=Save assessment")
    page.wait_for_selector("text=Assessment saved.")
    page.click("text=CRISS: Baseline → Month 6")

    db.session.commit()
    scored = outcomes.load_outcomes(outcomes.patient_visits(m6.patient_id))
    baseline = next(o for o in scored.values() if o.code == "baseline")
    followup = next(o for o in scored.values() if o.code == "m6")
    expected = acr_criss(baseline.core, CoreSet(19, 64.5, followup.pt_global, 4, followup.haq.haq_di),
                         Step1(False, False, False, False))
    assert followup.mrss.mrss == 19 and followup.fvc_equation == "GLI-2012"
    assert page.locator("#criss-probability").inner_text().startswith(f"{expected.criss:.3f}")
    assert page.locator("#criss-linear-predictor").inner_text() == f"{expected.linear_predictor:.2f}"
    assert page.locator(".cl-verdict").inner_text() == ("Improved" if expected.improved
                                                                     else "Not improved")
    assert axe(page) == []


def test_the_assessment_form_works_without_javascript_on_a_phone(runner, live_server, phone_no_js):
    assert runner.invoke(args=["demo", "--password", PASSWORD]).exit_code == 0
    m3 = db.session.scalar(select(Visit).join(Patient).where(Patient.study_id == "DEMO-004", Visit.code == "m3"))
    page = phone_no_js.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "clinician@demo.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/clinic/patients")

    page.goto(f"{live_server}/clinic/visits/{m3.id}")
    page.tap("label[for=mrss_r_fingers-3]")
    page.fill("#fvc_pct", "61")
    page.click("text=Save assessment")  # no equation: refused with a message, entries kept

    assert page.locator(".error-summary").inner_text().count("Select the reference equation") == 1
    assert page.input_value("#fvc_pct") == "61" and page.is_checked("#mrss_r_fingers-3")
    page.select_option("#fvc_equation", "GLI-2012")
    page.click("text=Save assessment")
    page.wait_for_selector("text=Assessment saved.")
    db.session.commit()
    saved = db.session.scalar(select(ClinicianAssessment).where(ClinicianAssessment.visit_id == m3.id))
    assert (saved.mrss_r_fingers, saved.fvc_pct, saved.fvc_equation) == (3, 61.0, "GLI-2012")


def test_patient_list_and_patient_page_are_accessible_on_a_tablet(runner, live_server, tablet):
    assert runner.invoke(args=["demo", "--password", PASSWORD]).exit_code == 0
    patient_id = db.session.scalar(select(Patient.id).where(Patient.study_id == "DEMO-002"))
    page = tablet.new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", "clinician@demo.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/clinic/patients")

    assert axe(page) == []
    page.click("text=DEMO-002")
    assert page.locator("h1").inner_text() == "Patient DEMO-002"
    assert page.url.endswith(f"/clinic/patients/{patient_id}")
    assert axe(page) == []
