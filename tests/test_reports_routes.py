"""PDF downloads: clinicians of the patient's site only, never cached, server-built file names, one audit row."""
import hashlib
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from pro_app.extensions import db
from pro_app.models import AuditEvent, Patient, Visit
from tests.pages import check_page
from tests.pdftools import embedded_files, flat_text, pdf_info
from tests.test_security import assert_security_headers

DEMO_PASSWORD = "demo-password-123"


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output


def sign_in(client, email="clinician@demo.example"):
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.data


def demo_patient(study_id="DEMO-001"):
    return db.session.scalar(select(Patient).where(Patient.study_id == study_id))


def demo_visit(study_id="DEMO-001", code="m12"):
    return db.session.scalar(select(Visit).join(Patient).where(Patient.study_id == study_id, Visit.code == code))


def export_rows():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export_pdf")
                              .order_by(AuditEvent.id)).all()


def today() -> str:
    return datetime.now(UTC).strftime("%Y%m%d")


def test_a_clinician_downloads_the_summary_as_an_uncached_attachment_and_it_is_audited(demo, client, tmp_path):
    sign_in(client)
    patient = demo_patient()

    response = client.get(f"/reports/patients/{patient.id}/summary.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == f'attachment; filename="SScore-DEMO-001-m12-{today()}.pdf"'
    assert_security_headers(response)
    assert embedded_files(response.data, tmp_path) == "0 embedded files"
    [row] = export_rows()
    new = json.loads(row.new_value)
    assert (row.entity, row.entity_id, row.patient_id, row.actor) == ("patient", str(patient.id), patient.id,
                                                                      "clinician@demo.example")
    assert (new["report"], new["baseline"], new["followup"], new["size"]) == \
        ("patient_summary", "baseline", "m12", "a4")
    assert new["sha256"] == hashlib.sha256(response.data).hexdigest()


def test_follow_up_and_page_size_come_from_the_query(demo, client, tmp_path):
    sign_in(client)

    response = client.get(f"/reports/patients/{demo_patient().id}/summary.pdf?followup=m6&size=letter")

    assert response.status_code == 200
    assert f'filename="SScore-DEMO-001-m6-{today()}.pdf"' in response.headers["Content-Disposition"]
    assert pdf_info(response.data, tmp_path)["Page size"].endswith("(letter)")
    assert "Month 6 · planned" in flat_text(response.data, tmp_path)


@pytest.mark.parametrize("query, status, failed", [
    ("size=a3", 400, "bad request: size"),
    ("followup=m99", 404, "unknown follow-up visit"),
    ("followup=baseline", 400, "bad request: Baseline is not after the baseline"),
])
def test_bad_query_values_get_a_clear_status_and_the_attempt_is_audited(demo, client, query, status, failed):
    sign_in(client)

    response = client.get(f"/reports/patients/{demo_patient().id}/summary.pdf?{query}")

    assert response.status_code == status
    assert response.mimetype == "text/html"
    [row] = export_rows()
    assert json.loads(row.new_value)["failed"] == failed


def test_the_response_sheet_downloads_with_its_own_file_name_and_audit_row(demo, client, tmp_path):
    sign_in(client)
    visit = demo_visit()

    response = client.get(f"/reports/visits/{visit.id}/responses.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="SScore-DEMO-001-m12-responses-{today()}.pdf"'
    assert "Dress yourself, including shoelaces and buttons" in flat_text(response.data, tmp_path)
    [row] = export_rows()
    assert (row.entity, row.entity_id, row.patient_id) == ("visit", str(visit.id), visit.patient_id)
    assert json.loads(row.new_value)["report"] == "response_sheet"


def test_another_sites_patient_and_visit_are_404_and_nothing_is_audited(demo, client, login_as, other_site):
    login_as("clinician", other_site)

    summary = client.get(f"/reports/patients/{demo_patient().id}/summary.pdf")
    sheet = client.get(f"/reports/visits/{demo_visit().id}/responses.pdf")
    missing = client.get("/reports/patients/999999/summary.pdf")

    assert (summary.status_code, sheet.status_code, missing.status_code) == (404, 404, 404)
    assert export_rows() == []


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_other_roles_are_refused(demo, client, login_as, role):
    from pro_app.models import Site

    demo_site = db.session.scalar(select(Site).where(Site.code == "DEMO"))
    login_as(role, demo_site)

    assert client.get(f"/reports/patients/{demo_patient().id}/summary.pdf").status_code == 403
    assert client.get(f"/reports/visits/{demo_visit().id}/responses.pdf").status_code == 403


def test_anonymous_users_are_sent_to_sign_in(demo, client):
    response = client.get(f"/reports/patients/{demo_patient().id}/summary.pdf")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_render_that_hits_the_time_limit_gets_an_error_page_and_an_audit_row(demo, make_app):
    app = make_app(PDF_TIMEOUT=0.001)  # no render finishes in a millisecond
    client = app.test_client()
    sign_in(client)

    response = client.get(f"/reports/patients/{demo_patient().id}/summary.pdf")

    assert response.status_code == 503
    page = check_page(response)
    assert "The PDF could not be made" in page.h1s[0]
    assert response.headers["Cache-Control"] == "no-store"
    [row] = export_rows()
    assert json.loads(row.new_value)["failed"] == "timeout"
