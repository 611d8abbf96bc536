"""G-GDPR-1: an administrator downloads everything held about one patient of the site, audited."""
import json

from sqlalchemy import select

from pro_app.extensions import db
from pro_app.models import AuditEvent
from tests.conftest import CANARY_EMAIL, CANARY_PHONE
from tests.pages import check_page
from tests.survey_support import VISIT_FORMS, answer, make_link, open_link


def test_the_record_holds_contacts_answers_scores_messages_and_the_audit_trail(app, client, login_as, make_patient):
    patient = make_patient()
    survey = make_link(patient.visits[0])
    patient_client = app.test_client()
    open_link(patient_client, survey)
    answer(patient_client, VISIT_FORMS)
    assert patient_client.post("/s/send").status_code == 302
    login_as("admin")

    response = client.get("/admin/subject-access", query_string={"study_id": patient.study_id})

    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="subject-access-{patient.id}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    record = json.loads(response.get_data(as_text=True))
    assert (record["patient"]["email"], record["patient"]["phone"]) == (CANARY_EMAIL, CANARY_PHONE)
    baseline = record["visits"][0]
    assert {r["instrument"] for r in baseline["responses"]} == {"pt_global", "haq", "shaq"}
    assert baseline["scores"]["values"]["haq_di"] == 1.571
    actions = [row["action"] for row in record["audit_trail"]]
    assert "open" in actions and "save" in actions and "submit" in actions
    db.session.commit()
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                           AuditEvent.patient_id == patient.id)).one()
    assert "subject_access" in exported.new_value


def test_another_sites_patient_or_an_unknown_id_gives_a_clear_404_and_nothing(client, login_as, make_patient,
                                                                             other_site):
    elsewhere = make_patient(site_=other_site)
    login_as("admin")

    for study_id in (elsewhere.study_id, "NOPE-1"):
        response = client.get("/admin/subject-access", query_string={"study_id": study_id})
        assert response.status_code == 404
        check_page(response)
        assert "No patient with this study id at your site" in response.get_data(as_text=True)
    db.session.commit()
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all() == []


def test_the_form_page(client, login_as):
    login_as("admin")

    check_page(client.get("/admin/subject-access"))
