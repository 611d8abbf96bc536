"""G-LOG-2: security events reach the log with the request id; log times are UTC (ISO 8601, Z)."""
import logging

from pro_app.logs import FORMAT, RequestIdFilter, UTCFormatter
from tests.conftest import Auth
from tests.survey_support import survey  # noqa: F401  (fixture)


def events(caplog, text):
    return [r for r in caplog.records if text in r.getMessage() and r.name.startswith("pro_app")]


def test_log_lines_carry_utc_time_and_the_request_id():
    record = logging.LogRecord("pro_app.x", logging.WARNING, "", 0, "something %s", ("happened",), None)
    record.created, record.msecs = 0.25, 250
    RequestIdFilter().filter(record)

    assert UTCFormatter(FORMAT).format(record) == "1970-01-01T00:00:00.250Z WARNING pro_app.x [-] something happened"


def test_failed_login_is_logged_with_the_request_id(client, make_user, caplog):
    caplog.set_level(logging.INFO, logger="pro_app")
    user = make_user()

    response = Auth(client).login(user, password="wrong password of some length")

    [record] = events(caplog, "login failed")
    assert record.levelno == logging.WARNING and response.headers["X-Request-ID"] in record.getMessage()
    assert user.email not in record.getMessage()  # accounts are named by a digest prefix only


def test_successful_login_is_logged(client, make_user, caplog):
    caplog.set_level(logging.INFO, logger="pro_app")
    user = make_user()

    Auth(client).login(user)

    assert events(caplog, f"login ok: user {user.id}")


def test_refused_access_is_logged(client, login_as, caplog):
    caplog.set_level(logging.INFO, logger="pro_app")
    user = login_as("coordinator")

    response = client.get("/clinic/patients")

    assert response.status_code == 403
    [record] = events(caplog, "access refused")
    assert f"user {user.id} (coordinator)" in record.getMessage()
    assert response.headers["X-Request-ID"] in record.getMessage()


def test_csrf_failures_are_logged(make_app, caplog):
    caplog.set_level(logging.INFO, logger="pro_app")
    client = make_app(WTF_CSRF_ENABLED=True).test_client()

    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 12})

    assert response.status_code == 400
    assert events(caplog, "CSRF refused on POST /login")


def test_rate_limit_hits_are_logged(client, survey, caplog, app):  # noqa: F811
    caplog.set_level(logging.INFO, logger="pro_app")
    app.config["TOKEN_MAX_FAILURES"] = 2
    for n in range(2):
        client.get(f"/s/unknown-token-{n:02d}-xxxxxxxxxxxxxxxx")

    response = client.get(f"/s/{survey.token}")

    assert response.status_code == 429
    assert events(caplog, "too many bad tokens")
