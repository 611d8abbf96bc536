"""Coordinator pages: enrolment, patient plan and actions (send now, revoke, pause), plans, delivery log,
compliance dashboard and composite readiness; site scoping and audit rows."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pro_app.extensions import db
from pro_app.models import AuditEvent, DeliveryAttempt, Message, Patient, Visit, VisitPlan
from pro_app.models.types import utcnow
from tests.messaging_support import add_patient
from tests.pages import check_page
from tests.test_dispatch import daytime_zone


@pytest.fixture
def coordinator(login_as):
    return login_as("coordinator")


def audit_rows(action=None):
    db.session.commit()
    query = select(func.count(AuditEvent.id))
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalar(query)


def visit_of(patient, code):
    db.session.commit()
    return db.session.scalar(select(Visit).where(Visit.patient_id == patient.id, Visit.code == code))


ENROL = {"study_id": "NEW-001", "plan": "1", "anchor_date": "2026-06-01", "email": "new@example.org", "phone": "",
         "preferred_channel": "email", "language": "de", "timezone": "America/New_York"}


def test_enrolment_creates_the_patient_and_the_visits_of_the_plan(client, coordinator, site):
    page = client.get("/coordinator/patients/new")
    check_page(page)
    assert 'name="study_id"' in page.get_data(as_text=True)

    response = client.post("/coordinator/patients/new", data=ENROL)

    assert response.status_code == 302
    patient = db.session.scalar(select(Patient).where(Patient.study_id == "NEW-001"))
    assert (patient.site_id, patient.language, patient.timezone, patient.email) == (
        site.id, "de", "America/New_York", "new@example.org")
    visits = db.session.scalars(select(Visit).where(Visit.patient_id == patient.id).order_by(Visit.position)).all()
    assert [v.code for v in visits] == ["baseline", "m3", "m6", "m12", "m18", "m24"]
    assert visits[1].target_date == date(2026, 8, 31) and visits[1].window_open == date(2026, 8, 17)
    row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "create",
                                                      AuditEvent.entity == "patient")).one()
    assert row.patient_id == patient.id and "NEW-001" in row.new_value


@pytest.mark.parametrize("field,value,message", [
    ("study_id", "", "Enter the patient"), ("study_id", "bad id!", "letters, digits"),
    ("phone", "01632 960123", "international format"), ("email", "a@b.org\r\nBcc: x@evil.example", "correct format"),
    ("timezone", "Mars/Olympus", "time zone"), ("anchor_date", "next week", "as a date"),
    ("plan", "999", "Choose a visit plan"),
])
def test_bad_enrolment_input_gives_a_clear_message_and_saves_nothing(client, coordinator, field, value, message):
    response = client.post("/coordinator/patients/new", data={**ENROL, field: value})

    assert response.status_code == 400
    check_page(response)
    html = response.get_data(as_text=True)
    assert message in html and "There is a problem" in html
    assert 'value="new@example.org"' in html or field == "email"  # what was typed is kept
    assert db.session.scalar(select(func.count(Patient.id))) == 0


def test_a_study_id_cannot_be_enrolled_twice(client, coordinator, site):
    add_patient(site, date(2026, 6, 1), "NEW-001")

    response = client.post("/coordinator/patients/new", data=ENROL)

    assert response.status_code == 400 and "already enrolled" in response.get_data(as_text=True)


def test_patient_page_shows_each_visit_window_and_state(client, coordinator, site):
    patient = add_patient(site, date.today() - timedelta(days=100), "WIN-1")
    db.session.get(Visit, visit_of(patient, "baseline").id).submitted_at = utcnow() - timedelta(days=99)
    db.session.commit()

    page = client.get(f"/coordinator/patients/{patient.id}")

    check_page(page)
    html = page.get_data(as_text=True)
    baseline = visit_of(patient, "baseline")
    text = re.sub(r"<[^>]+>", "", html)
    assert f"{baseline.window_open.isoformat()} – {baseline.window_close.isoformat()}" in text
    assert "Completed" in html and "Overdue" in html and "Upcoming" in html
    assert "Send link now" in html


def test_patient_list_shows_per_visit_states_and_searches(client, coordinator, site, other_site):
    add_patient(site, date.today() - timedelta(days=100), "LIST-1")
    add_patient(site, date.today(), "LIST-2")
    add_patient(other_site, date.today(), "OTHER-1")

    page = client.get("/coordinator/patients")
    check_page(page)
    html = page.get_data(as_text=True)
    assert "LIST-1" in html and "LIST-2" in html and "OTHER-1" not in html
    assert "Missed" in html or "Completed" in html or "Overdue" in html

    html = client.get("/coordinator/patients?q=LIST-2").get_data(as_text=True)
    assert "LIST-2" in html and "LIST-1" not in html


def test_send_now_goes_through_the_dispatcher_checks(client, coordinator, site, capsys):
    patient = add_patient(site, date.today(), "NOW-1", timezone=daytime_zone(utcnow()))
    visit = visit_of(patient, "baseline")

    response = client.post(f"/coordinator/visits/{visit.id}/send", follow_redirects=True)

    assert "Sent." in response.get_data(as_text=True)
    message = db.session.scalars(select(Message).where(Message.visit_id == visit.id)).one()
    assert (message.status, message.kind, message.created_by_id) == ("sent", "invitation", coordinator.id)
    assert "/s/" in capsys.readouterr().out  # console channel in tests
    assert audit_rows("send") == 1

    client.post(f"/coordinator/visits/{visit.id}/send")
    kinds = db.session.scalars(select(Message.kind).where(Message.visit_id == visit.id)
                               .order_by(Message.sequence)).all()
    assert kinds == ["invitation", "reminder"]


def test_send_now_refuses_after_submission(client, coordinator, site):
    patient = add_patient(site, date.today(), "NOW-2", timezone=daytime_zone(utcnow()))
    visit = visit_of(patient, "baseline")
    db.session.get(Visit, visit.id).submitted_at = utcnow()
    db.session.commit()

    response = client.post(f"/coordinator/visits/{visit.id}/send", follow_redirects=True)

    assert "already sent this visit" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(DeliveryAttempt.id)).where(DeliveryAttempt.outcome == "sent")) == 0


def test_revoke_ends_the_links_and_cancels_planned_messages(client, coordinator, site):
    from pro_app.messaging.dispatcher import plan_visit
    from pro_app.surveys import links

    patient = add_patient(site, date.today(), "REV-9")
    visit = visit_of(patient, "baseline")
    _, token = links.issue(visit)
    plan_visit(visit, utcnow())
    db.session.commit()

    client.post(f"/coordinator/visits/{visit.id}/revoke")

    db.session.commit()
    assert links.state(links.find(token)) == links.REVOKED
    statuses = set(db.session.scalars(select(Message.cancelled_reason).where(Message.visit_id == visit.id)))
    assert statuses == {"revoked"}
    assert audit_rows("revoke") == 1


def test_pause_cancels_planned_reminders_and_resume_brings_back_the_future_ones(client, coordinator, site):
    from pro_app.messaging.dispatcher import plan_visit

    patient = add_patient(site, date.today() + timedelta(days=14), "PAUSE-1")  # baseline opens today
    plan_visit(visit_of(patient, "baseline"), utcnow())
    db.session.commit()

    client.post(f"/coordinator/patients/{patient.id}/pause")
    db.session.commit()
    assert db.session.get(Patient, patient.id).reminders_paused
    assert set(db.session.scalars(select(Message.status).where(Message.patient_id == patient.id))) == {"cancelled"}

    client.post(f"/coordinator/patients/{patient.id}/pause")
    db.session.commit()
    assert not db.session.get(Patient, patient.id).reminders_paused
    pending = db.session.scalars(select(Message).where(Message.patient_id == patient.id,
                                                       Message.status == "pending")).all()
    assert pending and all(m.due_at > utcnow() for m in pending)
    assert audit_rows("update") == 2


def test_editing_contact_details_is_audited_with_old_and_new_values(client, coordinator, site):
    patient = add_patient(site, date(2026, 6, 1), "EDIT-1", email="old@example.org")
    check_page(client.get(f"/coordinator/patients/{patient.id}/edit"))

    bad = client.post(f"/coordinator/patients/{patient.id}/edit",
                      data={"email": "old@example.org", "phone": "12", "preferred_channel": "sms",
                            "language": "en", "timezone": "Europe/London"})
    assert bad.status_code == 400 and "international format" in bad.get_data(as_text=True)
    client.post(f"/coordinator/patients/{patient.id}/edit",
                data={"email": "new@example.org", "phone": "+441632960123", "preferred_channel": "sms",
                      "language": "en", "timezone": "Europe/London"})

    db.session.commit()
    patient = db.session.get(Patient, patient.id)
    assert (patient.email, patient.phone, patient.preferred_channel) == ("new@example.org", "+441632960123", "sms")
    row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
    assert row.field == "email,phone,preferred_channel" and "old@example.org" in row.old_value


def test_coordinators_create_their_own_plans(client, coordinator, site):
    check_page(client.get("/coordinator/plans"))

    bad = client.post("/coordinator/plans", data={"name": "Short", "visits": "m1, Month 1, x, 7, 7"})
    assert bad.status_code == 400 and "whole numbers" in bad.get_data(as_text=True)
    client.post("/coordinator/plans", data={"name": "Short", "visits": "base, Start, 0, 0, 7\nm1, Month 1, 30, 7, 7"})

    plan = db.session.scalar(select(VisitPlan).where(VisitPlan.name == "Short"))
    assert plan.site_id == site.id and [v.code for v in plan.visits] == ["base", "m1"]
    assert plan.visits[0].is_baseline and not plan.visits[1].is_baseline
    enrol = client.get("/coordinator/patients/new").get_data(as_text=True)
    assert "Short" in enrol

    response = client.post("/coordinator/patients/new", data={**ENROL, "plan": str(plan.id)})
    assert response.status_code == 302
    patient = db.session.scalar(select(Patient).where(Patient.study_id == "NEW-001"))
    assert [v.code for v in db.session.scalars(select(Visit).where(Visit.patient_id == patient.id))] == ["base", "m1"]


def test_another_sites_plan_cannot_be_used(client, make_user, login_as, other_site, site):
    plan = VisitPlan(site_id=other_site.id, name="B only")
    db.session.add(plan)
    db.session.commit()
    login_as("coordinator")

    response = client.post("/coordinator/patients/new", data={**ENROL, "plan": str(plan.id)})

    assert response.status_code == 400 and "B only" not in response.get_data(as_text=True)


def test_delivery_log_shows_every_attempt_and_failures(client, coordinator, site, other_site):
    patient = add_patient(site, date(2026, 6, 1), "LOG-1")
    other = add_patient(other_site, date(2026, 6, 1), "LOG-B")
    for who, outcome in ((patient, "sent"), (patient, "permanent_error"), (other, "sent")):
        message = Message(patient_id=who.id, visit_id=visit_of(who, "baseline").id, kind="invitation",
                          sequence=0 if outcome == "sent" else 1, due_at=utcnow(),
                          status="failed" if outcome != "sent" else "sent", channel="email",
                          last_error="SMTP 550" if outcome != "sent" else None)
        db.session.add(message)
        db.session.flush()
        db.session.add(DeliveryAttempt(message_id=message.id, channel="email", outcome=outcome,
                                       provider_id="<id@x>" if outcome == "sent" else None,
                                       error="SMTP 550" if outcome != "sent" else None))
    db.session.commit()

    page = client.get("/coordinator/messages")
    check_page(page)
    html = page.get_data(as_text=True)
    assert "LOG-1" in html and "LOG-B" not in html and "SMTP 550" in html and "permanent_error" in html
    failed_only = client.get("/coordinator/messages?show=failed").get_data(as_text=True)
    assert "&lt;id@x&gt;" not in failed_only and "SMTP 550" in failed_only


def test_dashboard_counts_due_overdue_completed_missed_and_response_rate(client, coordinator, site, other_site):
    done = add_patient(site, date.today() - timedelta(days=100), "DASH-1")  # baseline over, m3 overdue
    add_patient(site, date.today() - timedelta(days=100), "DASH-2")
    add_patient(site, date.today() + timedelta(days=3), "DASH-3")  # baseline due
    add_patient(other_site, date.today(), "DASH-B")
    db.session.get(Visit, visit_of(done, "baseline").id).submitted_at = utcnow() - timedelta(days=95)
    db.session.commit()

    page = client.get("/coordinator/")

    check_page(page)
    html = page.get_data(as_text=True)
    assert "Patients in the study at Clinic A: 3" in html
    assert "50 %" in html  # baseline: 1 completed, 1 missed
    assert "DASH-1" in html and "DASH-2" in html and "DASH-B" not in html  # both overdue at m3
    assert audit_rows("view") >= 1


def test_readiness_shows_which_criss_inputs_are_missing_and_from_whom(client, coordinator, site):
    from pro_app.models import ClinicianAssessment

    patient = add_patient(site, date.today() - timedelta(days=91), "READY-1")  # m3 target today
    m3 = visit_of(patient, "m3")
    db.session.add(ClinicianAssessment(visit_id=m3.id, fvc_pct=80.0, md_global=3, updated_by_id=coordinator.id))
    db.session.commit()

    page = client.get("/coordinator/readiness")

    check_page(page)
    html = page.get_data(as_text=True)
    row = html.split("READY-1")[1].split("</tr>")[0]
    assert row.count("Missing") == 3  # patient global, HAQ-DI, mRSS; FVC and physician global present
    assert row.count("Present") == 2 and "to adjudicate" in row


def test_coordinator_pages_check_out(client, coordinator):
    for url in ("/coordinator/", "/coordinator/readiness", "/coordinator/patients", "/coordinator/messages",
                "/coordinator/plans", "/coordinator/patients/new"):
        check_page(client.get(url))


def test_patients_enrol_on_the_command_line(runner, site):
    result = runner.invoke(args=["patients", "enrol", "CLI-7", "--site", site.code, "--anchor", "2026-06-01",
                                 "--phone", "+441632960123", "--channel", "sms", "--timezone", "Europe/Berlin"])

    assert result.exit_code == 0, result.output
    patient = db.session.scalar(select(Patient).where(Patient.study_id == "CLI-7"))
    assert (patient.preferred_channel, patient.timezone, len(patient.visits)) == ("sms", "Europe/Berlin", 6)
    refused = runner.invoke(args=["patients", "enrol", "CLI-8", "--site", site.code, "--anchor", "2026-06-01",
                                  "--channel", "sms"])
    assert refused.exit_code != 0 and "mobile number" in refused.output


def test_links_in_messages_come_from_base_url_never_from_the_host_header(app, client, coordinator, site, capsys):
    """G-LINK-1: the request arrives for one host (trusted), the link in the message names BASE_URL."""
    app.config.update(BASE_URL="https://pro.example-clinic.org", TRUSTED_HOSTS=["localhost", "pro.example-clinic.org"])
    patient = add_patient(site, date.today(), "LINK-1", timezone=daytime_zone(utcnow()))
    visit = visit_of(patient, "baseline")

    response = client.post(f"/coordinator/visits/{visit.id}/send", headers={"Host": "localhost"})

    assert response.status_code == 302
    printed = capsys.readouterr().out
    assert re.search(r"https://pro\.example-clinic\.org/s/[A-Za-z0-9_-]{43}", printed), printed[-500:]
    assert "localhost" not in printed


def test_contact_errors_land_on_their_field_in_german_too(client, coordinator):
    client.post("/language", data={"language": "de"})
    response = client.post("/coordinator/patients/new", data={**ENROL, "phone": "01632 960123",
                                                              "preferred_channel": "sms"})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    phone_error = re.search(r'id="phone-error"[^>]*>(.*?)</p>', html, re.S)
    assert phone_error and "+441632960123" in phone_error.group(1), html[:3000]


def test_withdrawal_needs_a_reason_and_changes_nothing_without_one(client, coordinator, site):
    patient = add_patient(site, date.today(), "WD-1")

    response = client.post(f"/coordinator/patients/{patient.id}/withdraw", data={"reason": "   "})

    assert response.status_code == 400
    check_page(response)
    assert "Enter the reason for the withdrawal" in response.get_data(as_text=True)
    db.session.commit()
    assert db.session.get(Patient, patient.id).withdrawn_at is None
    assert audit_rows("withdraw") == 0


def test_withdrawal_stops_links_and_messages_and_keeps_the_data(app, client, coordinator, site):
    from pro_app.surveys import links

    patient = add_patient(site, date.today(), "WD-2", timezone=daytime_zone(utcnow()))
    visit = visit_of(patient, "baseline")
    _, token = links.issue(visit)
    db.session.add(Message(patient_id=patient.id, visit_id=visit.id, kind="reminder", sequence=1,
                           due_at=utcnow() + timedelta(days=2)))
    db.session.commit()
    visits_before = len(patient.visits)

    response = client.post(f"/coordinator/patients/{patient.id}/withdraw",
                           data={"reason": "Moved abroad;\r\nno longer followed here"}, follow_redirects=True)

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Withdrawn on" in html and "Send link now" not in html
    db.session.commit()
    patient = db.session.get(Patient, patient.id)
    assert patient.withdrawn_at is not None and len(patient.visits) == visits_before
    assert {m.status for m in db.session.scalars(select(Message).where(Message.patient_id == patient.id))} == \
        {"cancelled"}
    assert app.test_client().get(f"/s/{token}").status_code == 410  # the link no longer opens
    row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "withdraw")).one()
    assert row.reason == "Moved abroad; no longer followed here" and row.patient_id == patient.id

    again = client.post(f"/coordinator/patients/{patient.id}/withdraw", data={"reason": "again"},
                        follow_redirects=True)
    assert "had already withdrawn" in again.get_data(as_text=True)
    assert audit_rows("withdraw") == 1


def test_the_dashboard_counted_by_the_database_agrees_with_the_pure_rules(app, site, make_user):
    """site_summary() counts in SQL, per time zone; compliance.status() is the rule. Patients on both sides of
    the date line (UTC+14 and UTC-11: their local todays differ from London's) in every state."""
    from flask_login import login_user

    from pro_app.coordinator import compliance, views
    from pro_app.models import SurveyResponse

    today = date.today()
    number = 0
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London"):
        for days_ago in (400, 200, 100, 95, 14, 5, 0, -10, -15, -30):
            number += 1
            patient = add_patient(site, today - timedelta(days=days_ago), f"SUM-{number:03d}", timezone=zone)
            visits = sorted(patient.visits, key=lambda v: v.position)
            if number % 3 == 0:
                visits[0].submitted_at = utcnow()
            if number % 4 == 0:
                db.session.add(SurveyResponse(visit_id=visits[1].id, instrument="pt_global", version="1",
                                              language="en", started_at=utcnow(), updated_at=utcnow()))
    add_patient(site, today, "SUM-WITHDRAWN", withdrawn_at=utcnow())
    db.session.commit()

    with app.test_request_context():
        login_user(make_user("coordinator"))
        facts = views.visit_facts()
        statuses = [compliance.status(f) for f in facts]
        rows, totals = compliance.summarise(facts)
        sql_rows, sql_totals, patients, overdue = views.site_summary()

    assert [(r.code, r.label, r.counts) for r in sql_rows] == [(r.code, r.label, r.counts) for r in rows]
    assert sql_totals.counts == totals["row"].counts and patients == 30
    assert set(statuses) == {"upcoming", "due", "overdue", "completed", "missed"}  # every state was exercised
    assert [(f.study_id, f.code) for f in overdue] == [(f.study_id, f.code) for f in
                                                        compliance.overdue(facts)[:50]]
