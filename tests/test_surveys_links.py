"""Survey links: exchanged for a session on first open, friendly refusals that leak nothing, rate limits."""
import logging
from datetime import timedelta

import pytest

from sqlalchemy import func, select

from pro_app.extensions import db
from pro_app.models import AuditEvent, ServerSession, ThrottleEvent
from pro_app.models.types import utcnow
from pro_app.surveys import links
from pro_app.surveys.views import RedactTokens
from tests.pages import check_page
from tests.survey_support import VISIT_FORMS, answer, make_link, open_link, survey  # noqa: F401


def test_opening_a_link_starts_a_session_and_leaves_a_token_free_address(client, survey):
    response = client.get(f"/s/{survey.token}")

    assert response.status_code == 302
    assert response.location == "/s/start"
    row = db.session.scalar(select(ServerSession).where(ServerSession.kind == "patient"))
    assert (row.visit_id, row.invitation_id) == (survey.visit.id, survey.invitation.id)
    assert survey.token not in client.get("/s/start").get_data(as_text=True)


def test_opening_a_link_is_audited_once_with_the_patient_as_actor(client, survey):
    open_link(client, survey)

    rows = db.session.scalars(select(AuditEvent)).all()
    assert [(r.action, r.entity, r.actor_type, r.actor, r.patient_id) for r in rows] == [
        ("open", "invitation", "patient", survey.patient.study_id, survey.patient.id)]
    assert survey.invitation.first_opened_at is not None


def test_the_same_link_works_on_a_second_device_until_submission(app, survey):
    phone, laptop = app.test_client(), app.test_client()
    open_link(phone, survey)
    answer(phone, {"pt_global/1": {"pt_global": "4"}})

    open_link(laptop, survey)
    page = laptop.get("/s/pt_global/1").get_data(as_text=True)

    assert 'value="4" checked' in page
    answer(laptop)
    assert laptop.post("/s/send").status_code == 302
    again = app.test_client().get(f"/s/{survey.token}")
    assert again.status_code == 200
    assert "Your answers have been sent" in again.get_data(as_text=True)


def test_an_unknown_token_gets_a_friendly_404_and_is_counted(client):
    response = client.get("/s/" + "x" * 43)

    assert response.status_code == 404
    assert "We cannot find this link" in check_page(response).h1s[0]
    assert db.session.scalar(select(func.count(ThrottleEvent.id))) == 1


def test_an_expired_link_gets_410_and_says_nothing_about_the_patient(client, survey):
    survey.invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    response = client.get(f"/s/{survey.token}")

    body = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This link has expired" in check_page(response).h1s[0]
    assert survey.patient.study_id not in body and survey.visit.label not in body
    assert db.session.scalar(select(func.count(ThrottleEvent.id))) == 0  # only unknown tokens count


def test_a_revoked_link_gets_410(client, survey):
    links.revoke_all(survey.visit, None)
    db.session.commit()

    response = client.get(f"/s/{survey.token}")

    assert response.status_code == 410
    assert "This link no longer works" in check_page(response).h1s[0]


def test_revoking_ends_an_open_session_at_the_next_request(client, survey):
    open_link(client, survey)
    links.revoke_all(survey.visit, None)
    db.session.commit()

    response = client.get("/s/pt_global/1")

    assert response.status_code == 410
    assert client.get("/s/start").status_code == 401  # the cookie forgot the session


def test_a_session_ends_when_the_window_closes(client, survey):
    open_link(client, survey)
    survey.invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert client.post("/s/pt_global/1", data={"pt_global": "3"}).status_code == 410
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "save")) == 0


def test_an_already_used_link_shows_that_the_answers_were_sent(client, survey):
    open_link(client, survey)
    answer(client)
    client.post("/s/send")

    response = client.get(f"/s/{survey.token}")

    assert response.status_code == 200
    assert check_page(response).h1s[0] == "Your answers have been sent"
    assert "With SOME difficulty" not in response.get_data(as_text=True)  # the answers are not shown


def test_pages_without_a_session_say_how_to_get_back_in(client):
    response = client.get("/s/haq/1")

    assert response.status_code == 401
    assert check_page(response).h1s[0] == "This page has timed out"


def test_an_idle_session_times_out(make_app, survey):
    app = make_app(PATIENT_IDLE_TIMEOUT=-1)
    client = app.test_client()
    open_link(client, survey)

    assert client.get("/s/start").status_code == 401


def test_ten_bad_tokens_from_one_client_then_429_even_for_a_good_one(client, survey):
    for attempt in range(10):
        assert client.get(f"/s/bad-token-{attempt:040d}").status_code == 404

    assert client.get("/s/another-bad-token-000000000000000000000000000").status_code == 429
    refused = client.get(f"/s/{survey.token}")
    assert refused.status_code == 429
    assert check_page(refused).h1s[0] == "Too many attempts"


def test_the_limit_is_per_client_address(client, survey):
    for attempt in range(10):
        client.get(f"/s/bad-token-{attempt:040d}")

    response = client.get(f"/s/{survey.token}", environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert response.status_code == 302


def test_good_tokens_do_not_count_towards_the_limit(app, survey):
    for _ in range(12):
        assert app.test_client().get(f"/s/{survey.token}").status_code == 302


def test_an_overlong_token_is_an_unknown_one(client):
    assert client.get("/s/" + "a" * 5000).status_code == 404


def test_no_token_reaches_the_logs(client, survey, caplog):
    caplog.set_level(logging.DEBUG)
    client.get(f"/s/{survey.token}")
    client.get("/s/" + "y" * 43)

    assert survey.token not in caplog.text and "y" * 43 not in caplog.text


def test_access_log_lines_are_redacted():
    record = logging.LogRecord("werkzeug", logging.INFO, "", 0, '%s - - "%s" %s',
                               ("127.0.0.1", "GET /s/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd HTTP/1.1", "302"), None)

    RedactTokens().filter(record)

    assert record.getMessage() == '127.0.0.1 - - "GET /s/[token] HTTP/1.1" 302'


def test_a_link_for_another_visit_never_shows_this_visits_answers(app, make_patient):
    first = make_link(make_patient().visits[0])
    second = make_link(make_patient().visits[0])
    alice, bob = app.test_client(), app.test_client()
    open_link(alice, first)
    answer(alice, {"pt_global/1": {"pt_global": "9"}})

    open_link(bob, second)

    assert 'value="9" checked' not in bob.get("/s/pt_global/1").get_data(as_text=True)
    answer(bob, {"pt_global/1": {"pt_global": "2"}})
    assert 'value="9" checked' in alice.get("/s/pt_global/1").get_data(as_text=True)


def test_a_withdrawn_patients_link_no_longer_works(client, survey):
    survey.patient.withdrawn_at = utcnow()
    db.session.commit()

    assert client.get(f"/s/{survey.token}").status_code == 410


def test_a_link_opened_before_its_window_opens_accepts_nothing(app, client, make_patient):
    """Answers given before the window would be scored against the wrong time point (found by review)."""
    patient = make_patient(anchor_days_ago=0)
    month_3 = patient.visits[1]
    invitation, token = links.issue(month_3)  # issued directly, as an old or mistaken link would be
    db.session.commit()

    page = client.get(f"/s/{token}")

    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "not open yet" in text and f"{month_3.window_open.year}" in text
    assert client.post("/s/pt_global/1", data={"pt_global": "5"}).status_code in (401, 302)
    assert client.get("/s/start").status_code == 401  # no patient session was started
    with pytest.raises(links.LinkRefused, match="opens on"):
        links.invite(month_3)


def test_a_link_works_from_the_first_minute_of_the_window_in_the_patients_time_zone(app, make_patient):
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    patient = make_patient(anchor_days_ago=0, timezone="Pacific/Auckland")
    visit = patient.visits[1]
    invitation, _token = links.issue(visit)
    opens = datetime.combine(visit.window_open, time(0), tzinfo=ZoneInfo("Pacific/Auckland"))

    assert links.state(invitation, now=opens - timedelta(seconds=1)) == links.NOT_YET_OPEN
    assert links.state(invitation, now=opens) == links.OPEN
