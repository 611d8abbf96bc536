"""Clinician changes: assessment saves (audited per field), corrections need a reason, concurrent edits are
refused, the FVC-decline criterion is only suggested, sign-off and unlock, the baseline lock, site scoping."""
import json

import pytest
from sqlalchemy import select

from pro_app.audit import verify_chain
from pro_app.extensions import db
from pro_app.models import Answer, ClinicianAssessment, Signature, SurveyResponse
from tests.conftest import PASSWORD, Auth
from tests.pages import check_page
from tests.test_clinic_pages import DEMO_PASSWORD, audit_rows, patient, visit

SITES = {f"mrss_{site}": "1" for site in (
    "face", "chest", "abdomen", "l_fingers", "r_fingers", "l_hand_dorsum", "r_hand_dorsum", "l_forearm",
    "r_forearm", "l_upper_arm", "r_upper_arm", "l_thigh", "r_thigh", "l_lower_leg", "r_lower_leg",
    "l_foot_dorsum", "r_foot_dorsum")}
NO_EVENTS = {"renal_crisis": "no", "fvc_decline": "no", "lv_failure": "no", "pah": "no"}


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output


def signed_in(app, email="clinician@demo.example", password=DEMO_PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302
    return client


@pytest.fixture
def clinician(demo, app):
    return signed_in(app)


def assessment_of(study_id, code):
    db.session.commit()
    visit_id = visit(study_id, code).id
    return db.session.scalar(select(ClinicianAssessment).where(ClinicianAssessment.visit_id == visit_id))


def form_for(study_id, code, **values):
    a = assessment_of(study_id, code)
    data = {"version": str(a.version) if a else "0", **NO_EVENTS, "md_global": "4", **SITES}
    if a is not None:
        data.update({name: str(v) for name, v in (("fvc_pct", a.fvc_pct), ("fvc_equation", a.fvc_equation),
                                                   ("md_global", a.md_global)) if v is not None})
        data.update({f"mrss_{site}": str(v) for site, v in a.mrss_sites().items() if v is not None})
        data.update({event: "yes" if v else "no" for event, v in a.step1().items() if v is not None})
    data.update(values)
    return data


def test_a_new_assessment_is_saved_and_every_field_is_audited(clinician):
    target = visit("DEMO-004", "m3")

    response = clinician.post(f"/clinic/visits/{target.id}/assessment",
                              data=form_for("DEMO-004", "m3", fvc_pct="85.5", fvc_equation="GLI-2012",
                                            md_global="3"))

    assert response.status_code == 302
    saved = assessment_of("DEMO-004", "m3")
    assert (saved.fvc_pct, saved.fvc_equation, saved.md_global, saved.mrss_face, saved.pah) == \
        (85.5, "GLI-2012", 3, 1, False)
    [row] = audit_rows("update")
    new = json.loads(row.new_value)
    assert row.entity == "clinician_assessment" and row.patient_id == target.patient_id
    assert new["fvc_pct"] == 85.5 and new["mrss_l_fingers"] == 1 and json.loads(row.old_value)["fvc_pct"] is None
    assert len(row.field.split(",")) == 24


def test_correcting_a_saved_value_without_a_reason_is_refused_and_keeps_the_old_value(clinician):
    target = visit("DEMO-001", "m12")

    response = clinician.post(f"/clinic/visits/{target.id}/assessment", data=form_for("DEMO-001", "m12",
                                                                                      md_global="7"))

    assert response.status_code == 400
    check_page(response)
    assert "Enter the reason for correcting a saved value" in response.get_data(as_text=True)
    assert assessment_of("DEMO-001", "m12").md_global == 3
    assert not audit_rows("correct")


def test_a_correction_with_a_reason_keeps_old_and_new_in_the_audit_and_the_page_says_so(clinician):
    target = visit("DEMO-001", "m12")

    response = clinician.post(f"/clinic/visits/{target.id}/assessment",
                              data=form_for("DEMO-001", "m12", md_global="7", reason="typo on paper form"))

    assert response.status_code == 302
    assert assessment_of("DEMO-001", "m12").md_global == 7
    [row] = audit_rows("correct")
    assert (row.field, row.old_value, row.new_value, row.reason) == \
        ("md_global", '{"md_global": 3}', '{"md_global": 7}', "typo on paper form")
    page = clinician.get(f"/clinic/visits/{target.id}").get_data(as_text=True)
    assert "Corrected after saving" in page and ">Physician global</span>" in page


def test_bad_input_shows_a_message_and_loses_nothing(clinician):
    target = visit("DEMO-004", "m3")

    response = clinician.post(f"/clinic/visits/{target.id}/assessment",
                              data=form_for("DEMO-004", "m3", fvc_pct="85.5", fvc_equation="", md_global="12"))

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Select the reference equation used for FVC % predicted" in html
    assert 'value="85.5"' in html and "<title>Error:" in html
    assert assessment_of("DEMO-004", "m3") is None


def test_a_stale_save_from_a_second_client_is_refused_and_shows_the_newer_values(demo, app):
    first, second = signed_in(app), signed_in(app)
    target = visit("DEMO-001", "m12")
    opened_by_both = form_for("DEMO-001", "m12")

    saved = first.post(f"/clinic/visits/{target.id}/assessment",
                       data={**opened_by_both, "fvc_pct": "75.0", "reason": "spirometry re-read"})
    refused = second.post(f"/clinic/visits/{target.id}/assessment",
                          data={**opened_by_both, "fvc_pct": "60.0", "reason": "other reading"})

    assert saved.status_code == 302 and refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "Not saved: someone else saved this assessment after you opened it" in html
    assert "<strong>FVC % predicted</strong>: saved 75.0, yours 60.0" in html
    assert 'value="60.0"' in html  # the second clinician's entry is still in the form
    assert assessment_of("DEMO-001", "m12").fvc_pct == 75.0
    assert [r.reason for r in audit_rows("change_refused")] == ["stale version (edited by someone else)"]


def test_the_fvc_decline_is_suggested_but_only_the_clinician_sets_it(clinician):
    target = visit("DEMO-004", "m3")  # baseline FVC 88.0 % predicted
    data = form_for("DEMO-004", "m3", fvc_pct="60.0", fvc_equation="GLI-2012")
    del data["fvc_decline"]

    response = clinician.post(f"/clinic/visits/{target.id}/assessment", data=data)

    assert response.status_code == 302
    assert assessment_of("DEMO-004", "m3").fvc_decline is None  # not adjudicated: the app never sets it
    page = clinician.get(f"/clinic/visits/{target.id}").get_data(as_text=True)
    assert 'id="fvc-suggestion"' in page and "Only you decide" in page
    compare = clinician.get(f"/clinic/patients/{target.patient_id}/compare").get_data(as_text=True)
    assert 'data-state="not_computable"' in compare and "Confirmed FVC decline (ILD) (Step 1) not yet" in compare


def test_the_suggestion_is_absent_when_the_numbers_do_not_support_it(clinician):
    page = clinician.get(f"/clinic/visits/{visit('DEMO-001', 'm12').id}").get_data(as_text=True)

    assert 'id="fvc-suggestion"' not in page


def test_a_step1_event_entered_in_the_form_gives_criss_zero(clinician):
    target = visit("DEMO-001", "m12")

    clinician.post(f"/clinic/visits/{target.id}/assessment",
                   data=form_for("DEMO-001", "m12", pah="yes", reason="RHC confirmed PAH"))

    html = clinician.get(f"/clinic/patients/{target.patient_id}/compare").get_data(as_text=True)
    assert 'data-state="step1"' in html and "Pulmonary arterial hypertension" in html


def correctable(study_id, code, item):
    return db.session.scalar(select(Answer).join(SurveyResponse).where(
        SurveyResponse.visit_id == visit(study_id, code).id, Answer.item_code == item))


def test_a_patient_answer_correction_needs_a_reason_and_keeps_the_original(clinician):
    target = visit("DEMO-001", "m12")

    refused = clinician.post(f"/clinic/visits/{target.id}/answers", data={"item": "pt_global", "value": "5"})
    blank = clinician.post(f"/clinic/visits/{target.id}/answers",
                           data={"item": "pt_global", "value": "5", "reason": "   "})
    db.session.commit()
    kept = correctable("DEMO-001", "m12", "pt_global").value
    done = clinician.post(f"/clinic/visits/{target.id}/answers",
                          data={"item": "pt_global", "value": "5", "reason": "patient phoned: wrong box"})

    assert refused.status_code == 400 and blank.status_code == 400 and kept == 3
    assert "Enter the reason for the correction" in refused.get_data(as_text=True)
    assert done.status_code == 302
    db.session.commit()
    answer = correctable("DEMO-001", "m12", "pt_global")
    assert (answer.value, answer.original_value) == (5, 3) and answer.corrected_at is not None
    [row] = audit_rows("correct")
    assert (row.entity, row.field, row.old_value, row.new_value, row.reason) == \
        ("answer", "pt_global", "3", "5", "patient phoned: wrong box")
    page = clinician.get(f"/clinic/visits/{target.id}").get_data(as_text=True)
    assert "corrected" in page and "patient answered 3" in page


def test_a_patient_answer_outside_its_range_is_refused(clinician):
    response = clinician.post(f"/clinic/visits/{visit('DEMO-001', 'm12').id}/answers",
                              data={"item": "dress", "value": "4", "reason": "x"})

    assert response.status_code == 400 and "Enter a value from 0 to 3" in response.get_data(as_text=True)


def test_sign_off_needs_the_password_and_makes_the_visit_read_only_until_unlocked(clinician):
    target = visit("DEMO-001", "m12")

    wrong = clinician.post(f"/clinic/visits/{target.id}/sign", data={"meaning": "Reviewed and approved",
                                                                     "password": "not it"})
    signed = clinician.post(f"/clinic/visits/{target.id}/sign", data={"meaning": "Reviewed and approved",
                                                                      "password": DEMO_PASSWORD})
    blocked = clinician.post(f"/clinic/visits/{target.id}/assessment",
                             data=form_for("DEMO-001", "m12", md_global="9", reason="r"))
    no_reason = clinician.post(f"/clinic/visits/{target.id}/unlock", data={"reason": " "})
    unlocked = clinician.post(f"/clinic/visits/{target.id}/unlock", data={"reason": "late spirometry result"})

    assert wrong.status_code == 400 and "The password is not correct" in wrong.get_data(as_text=True)
    assert signed.status_code == 302
    assert blocked.status_code == 409 and "signed and read-only" in blocked.get_data(as_text=True)
    assert assessment_of("DEMO-001", "m12").md_global == 3
    assert no_reason.status_code == 400
    assert unlocked.status_code == 302
    [signature] = db.session.scalars(select(Signature).where(Signature.visit_id == target.id)).all()
    assert (signature.printed_name, signature.meaning) == ("Dr Clara Clinician", "Reviewed and approved")
    assert len(signature.content_hash) == 64 and signature.superseded_reason == "late spirometry result"
    assert [r.action for r in audit_rows() if r.entity == "visit" and r.action != "view"] == \
        ["sign_refused", "sign", "unlock_refused", "unlock"]
    saved = clinician.post(f"/clinic/visits/{target.id}/assessment",
                           data=form_for("DEMO-001", "m12", md_global="9", reason="after unlock"))
    assert saved.status_code == 302 and assessment_of("DEMO-001", "m12").md_global == 9
    checked, problems = verify_chain()
    assert checked > 10 and problems == []


def test_a_signed_visit_shows_who_signed_and_offers_no_save(clinician):
    target = visit("DEMO-001", "m12")
    clinician.post(f"/clinic/visits/{target.id}/sign", data={"meaning": "Reviewed and approved",
                                                             "password": DEMO_PASSWORD})

    page = clinician.get(f"/clinic/visits/{target.id}")

    html = page.get_data(as_text=True)
    check_page(page)
    assert "Signed</strong> by Dr Clara Clinician" in html and "Save assessment" not in html
    assert '<fieldset class="cl-plain" disabled>' in html


def test_changing_a_locked_baseline_needs_a_reason(clinician):
    target = patient("DEMO-001")
    m3 = visit("DEMO-001", "m3")

    refused = clinician.post(f"/clinic/patients/{target.id}/baseline", data={"action": "change", "visit": m3.id})
    db.session.commit()
    still = visit("DEMO-001", "baseline").is_baseline
    moved = clinician.post(f"/clinic/patients/{target.id}/baseline",
                           data={"action": "change", "visit": m3.id, "reason": "baseline labs invalid"})

    assert refused.status_code == 400 and still
    assert "The baseline is locked: enter the reason" in refused.get_data(as_text=True)
    assert moved.status_code == 302
    db.session.commit()
    assert visit("DEMO-001", "m3").is_baseline and visit("DEMO-001", "m3").baseline_locked_at is not None
    assert not visit("DEMO-001", "baseline").is_baseline
    [row] = [r for r in audit_rows("correct") if r.entity == "baseline"]
    assert (row.old_value, row.new_value, row.reason) == ("baseline", "m3", "baseline labs invalid")


def test_an_unlocked_baseline_can_be_locked(clinician):
    target = patient("DEMO-002")

    response = clinician.post(f"/clinic/patients/{target.id}/baseline",
                              data={"action": "lock", "visit": visit("DEMO-002", "baseline").id})

    assert response.status_code == 302
    db.session.commit()
    assert visit("DEMO-002", "baseline").baseline_locked_at is not None


def test_a_clinician_of_another_site_gets_404_on_every_patient_route(demo, app, make_user, other_site):
    outsider = make_user("clinician", other_site)
    client = app.test_client()
    Auth(client).login(outsider, PASSWORD)
    p, v = patient("DEMO-001"), visit("DEMO-001", "m12")
    gets = [f"/clinic/patients/{p.id}", f"/clinic/patients/{p.id}/compare", f"/clinic/visits/{v.id}"]
    posts = [f"/clinic/patients/{p.id}/baseline", f"/clinic/visits/{v.id}/assessment",
             f"/clinic/visits/{v.id}/answers", f"/clinic/visits/{v.id}/sign", f"/clinic/visits/{v.id}/unlock"]

    statuses = [client.get(url).status_code for url in gets]
    statuses += [client.post(url, data={**form_for("DEMO-001", "m12", reason="x"), "action": "lock",
                                        "password": PASSWORD}).status_code for url in posts]
    listing = client.get("/clinic/patients").get_data(as_text=True)

    assert statuses == [404] * 8
    assert "DEMO-001" not in listing
    assert assessment_of("DEMO-001", "m12").version == 1


def test_saving_a_baseline_assessment_keeps_its_step1_answers_the_form_does_not_ask(clinician):
    target = visit("DEMO-001", "baseline")
    data = {k: v for k, v in form_for("DEMO-001", "baseline").items() if k not in NO_EVENTS}

    unchanged = clinician.post(f"/clinic/visits/{target.id}/assessment", data=data)
    changed = clinician.post(f"/clinic/visits/{target.id}/assessment",
                             data={**data, "fvc_pct": "71.0", "reason": "re-read"})

    assert unchanged.status_code == 302 and changed.status_code == 302
    saved = assessment_of("DEMO-001", "baseline")
    assert saved.fvc_pct == 71.0 and saved.step1() == dict.fromkeys(NO_EVENTS, False)
    [row] = audit_rows("correct")
    assert row.field == "fvc_pct"


def test_an_fvc_equation_not_in_the_list_stays_selectable(clinician):
    assessment_of("DEMO-001", "m12").fvc_equation = "Hankinson 1999"
    db.session.commit()
    target = visit("DEMO-001", "m12")

    page = clinician.get(f"/clinic/visits/{target.id}").get_data(as_text=True)
    saved = clinician.post(f"/clinic/visits/{target.id}/assessment",
                           data=form_for("DEMO-001", "m12", md_global="4", reason="r"))

    assert '<option value="Hankinson 1999" selected>' in page
    assert saved.status_code == 302 and assessment_of("DEMO-001", "m12").fvc_equation == "Hankinson 1999"
