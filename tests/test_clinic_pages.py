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
