"""Clinician workspace pages on the demo data: list, patient, visit and comparison; numbers as pro_app.scoring."""
import pytest
from sqlalchemy import select

from pro_app.extensions import db
from pro_app.models import AuditEvent, Patient, Visit
from pro_app.scoring import CoreSet, Step1, acr_criss, revised_criss
from tests.pages import check_page

DEMO_PASSWORD = "demo-password-123"


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output


@pytest.fixture
def clinician(demo, client):
    response = client.post("/login", data={"email": "clinician@demo.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def patient(study_id):
    return db.session.scalar(select(Patient).where(Patient.study_id == study_id))


def visit(study_id, code):
    return db.session.scalar(select(Visit).join(Patient).where(Patient.study_id == study_id, Visit.code == code))


def audit_rows(action=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def test_patient_list_shows_last_haq_last_criss_and_what_is_outstanding(clinician):
    page = clinician.get("/clinic/patients?sort=study_id")

    check_page(page)
    html = page.get_data(as_text=True)
    assert html.index("DEMO-001") < html.index("DEMO-002")
    assert "1.000" in html  # DEMO-001's HAQ-DI at month 12
    assert "improved" in html and "Step 1 met" in html and "not computable" in html
    assert "FVC % predicted at Month 6: needs the clinician&#39;s assessment" in html
    assert "Month 3: missed (no answers, no assessment)" in html  # DEMO-002
    assert "Month 3: window open until" in html  # DEMO-004, invited today


def test_patient_list_searches_by_study_id_and_pages(clinician):
    page = clinician.get("/clinic/patients?q=demo-00&sort=study_id").get_data(as_text=True)
    only = clinician.get("/clinic/patients?q=DEMO-003").get_data(as_text=True)

    assert "6 patients" in page
    assert "DEMO-003" in only and "DEMO-001" not in only and "1 patient" in only


@pytest.mark.parametrize("study_id", ["DEMO-001", "DEMO-002", "DEMO-003", "DEMO-006"])
def test_patient_page(clinician, study_id):
    page = clinician.get(f"/clinic/patients/{patient(study_id).id}")

    check_page(page)
    html = page.get_data(as_text=True)
    assert f"/reports/patients/{patient(study_id).id}/summary.pdf" in html


def test_patient_page_shows_timeline_states_charts_and_the_locked_baseline(clinician):
    html = clinician.get(f"/clinic/patients/{patient('DEMO-002').id}").get_data(as_text=True)
    one = clinician.get(f"/clinic/patients/{patient('DEMO-001').id}").get_data(as_text=True)

    assert "missed" in html and "completed" in html and "planned" in html
    assert html.count("<svg") == 5
    for label in ("HAQ-DI", "Patient global", "mRSS", "FVC % predicted", "Physician global"):
        assert f"<figcaption>{label}</figcaption>" in html
    assert "Baseline · locked" in one and "Lock the baseline" not in one


@pytest.mark.parametrize("study_id, code", [("DEMO-001", "baseline"), ("DEMO-001", "m12"), ("DEMO-002", "m3"),
                                            ("DEMO-003", "m6"), ("DEMO-005", "baseline")])
def test_visit_page(clinician, study_id, code):
    page = clinician.get(f"/clinic/visits/{visit(study_id, code).id}")

    check_page(page)
    assert f"/reports/visits/{visit(study_id, code).id}/responses.pdf" in page.get_data(as_text=True)


@pytest.mark.parametrize("study_id", ["DEMO-001", "DEMO-002", "DEMO-003", "DEMO-004"])
def test_comparison_page(clinician, study_id):
    check_page(clinician.get(f"/clinic/patients/{patient(study_id).id}/compare"))


def _cell(html, element_id):
    start = html.index(f'id="{element_id}"')
    return html[html.index(">", start) + 1:html.index("</dd>", start)]


@pytest.mark.parametrize("study_id, before, after, step1", [
    ("DEMO-001", CoreSet(24, 70.0, 6, 6, 1.5), CoreSet(15, 73.0, 3, 3, 1.0), Step1(False, False, False, False)),
    ("DEMO-003", CoreSet(20, 80.0, 5, 5, 1.0), CoreSet(22, 74.0, 8, 8, 1.875), Step1(True, False, False, False)),
])
def test_comparison_page_shows_the_numbers_of_pro_app_scoring(clinician, study_id, before, after, step1):
    expected = acr_criss(before, after, step1)
    rcriss = revised_criss(before, after, step1)

    html = clinician.get(f"/clinic/patients/{patient(study_id).id}/compare").get_data(as_text=True)

    assert _cell(html, "criss-probability").startswith(f"{expected.criss:.3f}")
    if expected.linear_predictor is not None:
        assert _cell(html, "criss-linear-predictor") == f"{expected.linear_predictor:.2f}"
    assert _cell(html, "criss-improved") == ("yes" if expected.improved else "no")
    assert ("met" in _cell(html, "criss-step1")) is expected.step1_met
    assert ("Revised CRISS-25: responder." in html) is rcriss.responder[25]


def test_demo_improved_patient_reads_improved(clinician):
    html = clinician.get(f"/clinic/patients/{patient('DEMO-001').id}/compare").get_data(as_text=True)

    assert 'data-state="improved"' in html
    assert "improved ≥ MCID 5" in html  # mRSS fell by 9


def test_not_computable_names_each_missing_input_and_who_provides_it(clinician):
    html = clinician.get(f"/clinic/patients/{patient('DEMO-002').id}/compare").get_data(as_text=True)

    assert 'data-state="not_computable"' in html
    assert "FVC % predicted at Month 6: needs the clinician&#39;s assessment" in html
    assert "FVC % predicted not entered" in html


def test_any_two_visits_can_be_compared(clinician):
    html = clinician.get(f"/clinic/patients/{patient('DEMO-001').id}/compare?from=m3&to=m6").get_data(as_text=True)
    expected = acr_criss(CoreSet(21, 70.5, 5, 5, 1.375), CoreSet(18, 71.5, 4, 4, 1.25),
                         Step1(False, False, False, False))

    assert "ACR-CRISS: Month 3 → Month 6" in html
    assert _cell(html, "criss-probability").startswith(f"{expected.criss:.3f}")


def test_comparison_backwards_is_refused_with_a_message(clinician):
    page = clinician.get(f"/clinic/patients/{patient('DEMO-001').id}/compare?from=m6&to=m3")

    assert page.status_code == 400
    assert "The second visit must be later than the first." in page.get_data(as_text=True)


def test_fvc_reference_equations_that_differ_are_warned_about(clinician):
    m12 = visit("DEMO-001", "m12")
    m12.assessment.fvc_equation = "ECSC-1993"
    db.session.commit()

    html = clinician.get(f"/clinic/patients/{patient('DEMO-001').id}/compare").get_data(as_text=True)

    assert "FVC reference equations differ" in html


def test_every_view_writes_one_audit_row_naming_the_patient(clinician):
    target = patient("DEMO-001")
    urls = [f"/clinic/patients/{target.id}", f"/clinic/patients/{target.id}/compare",
            f"/clinic/visits/{visit('DEMO-001', 'm6').id}"]
    for url in urls:
        db.session.commit()
        before = len(audit_rows())

        assert clinician.get(url).status_code == 200

        db.session.commit()
        rows = audit_rows()[before:]
        assert [(r.action, r.patient_id, r.actor) for r in rows] == [("view", target.id, "clinician@demo.example")]


def test_revised_criss_shows_each_item_improved_or_worsened_per_threshold(clinician):
    html = clinician.get(f"/clinic/patients/{patient('DEMO-001').id}/compare").get_data(as_text=True)
    rcriss = revised_criss(CoreSet(24, 70.0, 6, 6, 1.5), CoreSet(15, 73.0, 3, 3, 1.0),
                           Step1(False, False, False, False))

    table = html[html.index('id="rcriss"'):html.index("</table>", html.index('id="rcriss"'))]
    mrss_row = table[table.index("<th scope=\"row\">mRSS</th>"):].split("</tr>")[0]
    words = [cell.split(">")[1].split("<")[0] for cell in mrss_row.split('<span class="cl-cell"')[1:]]
    expected = ["improved" if rcriss.items[x]["mrss"].improved else "worsened" if rcriss.items[x]["mrss"].worsened
                else "no change" for x in rcriss.thresholds]
    assert words == expected and "improved" in words and "no change" in words
    assert "-9 (-37.5 %)" in mrss_row
