"""Sending the answers: once only (double taps, replays, 20 concurrent POSTs), reminders cancelled, scores right."""
import threading
from datetime import timedelta

import pytest
import requests
from flask import g
from sqlalchemy import func, select
from werkzeug.serving import make_server

from pro_app.extensions import db
from pro_app.models import AuditEvent, Message, SurveyResponse, Visit
from pro_app.models.types import utcnow
from pro_app.outcomes import load_outcomes
from pro_app.surveys import links
from tests.pages import check_page
from tests.survey_support import EXPECTED_HAQ_DI, VISIT_FORMS, answer, open_link, stored, survey  # noqa: F401


def count(action):
    db.session.commit()
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def add_message(visit, status, sequence):
    db.session.add(Message(patient_id=visit.patient_id, visit_id=visit.id, kind="reminder", sequence=sequence,
                           due_at=utcnow() + timedelta(days=1), status=status))
    db.session.commit()


def test_sending_marks_everything_submitted_and_cancels_pending_reminders(client, survey):
    add_message(survey.visit, "pending", 1)
    add_message(survey.visit, "sent", 2)
    open_link(client, survey)
    answer(client)

    response = client.post("/s/send")

    assert response.location == "/s/sent"
    db.session.commit()
    visit = db.session.get(Visit, survey.visit.id)
    assert visit.submitted_at is not None
    responses = db.session.scalars(select(SurveyResponse).where(SurveyResponse.visit_id == visit.id)).all()
    assert {(r.instrument, r.status, r.version) for r in responses} == {
        ("pt_global", "submitted", "1.0"), ("haq", "submitted", "1.0"), ("shaq", "submitted", "1.0")}
    messages = {m.sequence: (m.status, m.cancelled_reason) for m in db.session.scalars(select(Message))}
    assert messages == {1: ("cancelled", "submitted"), 2: ("sent", None)}
    assert count("submit") == 1


def test_the_confirmation_page_thanks_the_patient(client, survey):
    open_link(client, survey)
    answer(client)
    client.post("/s/send")

    response = client.get("/s/sent")
    german = client.post("/s/language", data={"language": "de", "page": "sent"})

    assert check_page(response).h1s[0] == "Answers sent"
    assert german.location == "/s/sent" and "Antworten gesendet" in client.get("/s/sent").get_data(as_text=True)


def test_a_double_tap_or_replayed_post_stores_one_submission(client, survey):
    open_link(client, survey)
    answer(client)
    client.post("/s/send")
    first = db.session.get(Visit, survey.visit.id).submitted_at

    replay = client.post("/s/send")

    assert replay.location == "/s/sent"
    db.session.commit()
    assert db.session.get(Visit, survey.visit.id).submitted_at == first
    assert count("submit") == 1


@pytest.mark.parametrize("path", ["/s/start", "/s/haq/1", "/s/check"])
def test_after_sending_old_pages_say_the_answers_were_sent(client, survey, path):
    open_link(client, survey)
    answer(client)
    client.post("/s/send")

    response = client.get(path)

    assert response.status_code == 200
    assert check_page(response).h1s[0] == "Your answers have been sent"


def test_a_late_save_after_sending_changes_nothing(client, survey):
    open_link(client, survey)
    answer(client)
    client.post("/s/send")
    saves = count("save")

    response = client.post("/s/haq/1", data={"dress": "3", "shampoo": "3"})

    assert "Your answers have been sent" in response.get_data(as_text=True)
    assert stored(survey.visit.id)["haq"]["dress"] == (1, False, None)
    assert count("save") == saves


def test_sending_with_questions_unanswered_lists_them_and_sends_nothing(client, survey):
    open_link(client, survey)
    answer(client, {key: form for key, form in VISIT_FORMS.items() if key not in ("haq/4", "shaq/2")})

    response = client.post("/s/send")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert check_page(response).title.startswith("Error: ")
    assert '<a href="#row-walk_outdoors">Answer the questions in ‘Walking’</a>' in page
    assert 'href="#row-breathing"' in page and 'id="row-breathing"' in page
    assert db.session.get(Visit, survey.visit.id).submitted_at is None
    assert count("submit") == 0


def test_the_scores_come_from_exactly_what_was_tapped(client, survey):
    open_link(client, survey)
    answer(client)
    client.post("/s/send")
    db.session.commit()

    outcome = load_outcomes([db.session.get(Visit, survey.visit.id)])[survey.visit.id]

    assert outcome.haq.haq_di == EXPECTED_HAQ_DI
    assert outcome.haq.categories == {"dressing": 1, "arising": 2, "eating": 2, "walking": 0, "hygiene": 3,
                                      "reach": None, "grip": 1, "activities": 2}
    assert (outcome.pt_global, outcome.pain) == (6, 40)
    assert outcome.shaq == {"intestinal": 20, "breathing": 35, "raynauds": None, "finger_ulcers": 0, "overall": 100}
    assert outcome.answers["raynauds"].skipped and outcome.answers["aid_other"].text == "Kitchen trolley"


def test_twenty_concurrent_identical_posts_store_one_submission(app, survey):
    g.db_readonly = True  # SQLite: the test body reads without taking the write lock the server needs
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://localhost:{server.server_port}"
    try:
        browser = requests.Session()
        assert browser.get(f"{base}/s/{survey.token}", allow_redirects=False).status_code == 302
        for key, form in VISIT_FORMS.items():
            assert browser.post(f"{base}/s/{key}", data=form, allow_redirects=False).status_code == 302
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
        gate, replies = threading.Barrier(20), []

        def tap():
            gate.wait()
            reply = requests.post(f"{base}/s/send", headers={"Cookie": cookie}, allow_redirects=False, timeout=30)
            replies.append((reply.status_code, reply.headers.get("Location")))

        threads = [threading.Thread(target=tap) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.shutdown()

    assert replies == [(302, "/s/sent")] * 20
    assert count("submit") == 1
    assert db.session.scalar(select(func.count(SurveyResponse.id)).where(
        SurveyResponse.visit_id == survey.visit.id, SurveyResponse.status == "submitted")) == 3


def test_flask_invite_prints_the_link_last_and_audits_it(app, runner, make_patient):
    patient = make_patient(anchor_days_ago=0)

    result = runner.invoke(args=["invite", patient.study_id, "baseline"])

    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("http://localhost/s/") and len(link.rsplit("/", 1)[1]) >= 43
    assert links.find(link.rsplit("/", 1)[1]).visit.code == "baseline"
    assert count("create") == 1


def test_flask_invite_refuses_a_visit_whose_window_has_closed(runner, make_patient):
    patient = make_patient(anchor_days_ago=200)  # baseline window closed ~186 days ago

    result = runner.invoke(args=["invite", patient.study_id, "baseline"])

    assert result.exit_code != 0
    assert "window of visit baseline closed" in result.output
    assert count("create") == 0


def test_flask_invite_refuses_a_visit_already_sent(client, runner, survey):
    open_link(client, survey)
    answer(client)
    client.post("/s/send")

    result = runner.invoke(args=["invite", survey.patient.study_id, "baseline"])

    assert result.exit_code != 0 and "already sent" in result.output


def test_flask_invite_names_an_unknown_visit(runner, make_patient):
    patient = make_patient()

    result = runner.invoke(args=["invite", patient.study_id, "m99"])

    assert result.exit_code != 0 and "No visit 'm99'" in result.output


def test_the_demo_prints_a_survey_link_that_works(app, client):
    result = app.test_cli_runner().invoke(args=["demo", "--password", "demo-password-123"])
    link = result.output.strip().splitlines()[-1]

    response = client.get(link.removeprefix("http://127.0.0.1:5000").removeprefix("http://localhost"))

    assert result.exit_code == 0, result.output
    assert response.location == "/s/start"
    assert "Month 3" in client.get("/s/start").get_data(as_text=True)
