import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from pro_app.extensions import db
from pro_app.models import ServerSession, ThrottleEvent, utcnow
from tests.conftest import PASSWORD
from tests.pages import check_page

HOMES = {"clinician": "/clinic/patients", "coordinator": "/coordinator/", "admin": "/admin/users"}


def test_login_page_is_well_formed(client):
    check_page(client.get("/login"))


@pytest.mark.parametrize("role", ["clinician", "coordinator", "admin"])
def test_each_role_lands_on_its_own_page(client, auth, make_user, role):
    user = make_user(role)

    response = auth.login(user)

    assert response.status_code == 302
    assert response.location == HOMES[role]
    page = client.get(HOMES[role])
    assert page.status_code == 200
    check_page(page)


def test_wrong_password_shows_an_error_and_no_session(client, auth, make_user):
    user = make_user()

    response = auth.login(user, "wrong password")

    assert response.status_code == 400
    assert b"Enter a correct email address and password" in response.data
    assert b"<title>Error: " in response.data
    assert client.get("/clinic/patients").status_code == 302


def test_unknown_account_gets_the_same_message(auth, make_user):
    class Nobody:
        email = "nobody@example.org"

    response = auth.login(Nobody, "whatever it is")

    assert response.status_code == 400
    assert b"Enter a correct email address and password" in response.data


def test_empty_form_names_each_missing_field(client):
    response = client.post("/login", data={})

    assert response.status_code == 400
    assert b"Enter your email address" in response.data
    assert b"Enter your password" in response.data
    assert b'href="#email"' in response.data


def test_logout_is_post_only(client, login_as):
    login_as("clinician")

    assert client.get("/logout").status_code == 405
    assert client.get("/clinic/patients").status_code == 200


def test_replaying_a_cookie_saved_before_logout_is_refused(client, login_as):
    login_as("clinician")
    saved = client.get_cookie("sscore").value

    client.post("/logout")
    client.set_cookie("sscore", saved)
    response = client.get("/clinic/patients")

    assert response.status_code == 302
    assert "/login" in response.location
    assert client.post("/language", data={"language": "de"}).status_code == 302  # no-PHI route still fine
    row = db.session.scalar(select(ServerSession))
    assert row.ended_reason == "logout"


def test_post_with_a_replayed_cookie_gets_401(client, login_as, make_patient):
    login_as("admin")
    saved = client.get_cookie("sscore").value
    client.post("/logout")
    client.set_cookie("sscore", saved)

    response = client.post("/admin/users", data={"name": "x"})

    assert response.status_code == 401


def test_idle_timeout_after_15_minutes(client, login_as, monkeypatch):
    login_as("clinician")
    assert client.get("/clinic/patients").status_code == 200
    now = time.time()

    monkeypatch.setattr(time, "time", lambda: now + 14 * 60)
    assert client.get("/clinic/patients").status_code == 200  # activity resets the idle clock
    monkeypatch.setattr(time, "time", lambda: now + 14 * 60 + 15 * 60 + 1)
    response = client.get("/clinic/patients")

    assert response.status_code == 302 and "/login" in response.location


def test_absolute_limit_of_12_hours(client, login_as):
    login_as("clinician")
    db.session.execute(update(ServerSession).values(created_at=utcnow() - timedelta(hours=12, seconds=1)))
    db.session.commit()

    response = client.get("/clinic/patients")

    assert response.status_code == 302


def test_a_disabled_user_is_signed_out_at_once(client, login_as):
    user = login_as("clinician")
    user.active = False
    db.session.commit()

    assert client.get("/clinic/patients").status_code == 302


def test_session_id_changes_at_login(client, auth, make_user):
    user = make_user()
    auth.login(user)
    first = client.get_cookie("sscore").value
    auth.logout()

    auth.login(user)

    assert client.get_cookie("sscore").value != first
    assert db.session.scalar(select(db.func.count(ServerSession.id))) == 2


def test_lockout_after_five_failures_even_with_the_right_password(client, auth, make_user):
    user = make_user()

    statuses = [auth.login(user, f"wrong {i}").status_code for i in range(5)]
    locked = auth.login(user, PASSWORD)

    assert statuses == [400] * 5
    assert locked.status_code == 429
    assert b"Too many failed attempts" in locked.data
    assert client.get("/clinic/patients").status_code == 302


def test_lockout_ends_after_the_window(client, auth, make_user):
    user = make_user()
    for i in range(5):
        auth.login(user, f"wrong {i}")
    db.session.execute(update(ThrottleEvent).values(at=utcnow() - timedelta(minutes=16)))
    db.session.commit()

    assert auth.login(user, PASSWORD).status_code == 302


def test_lockout_is_per_account(auth, make_user):
    victim, other = make_user(), make_user()
    for i in range(5):
        auth.login(victim, f"wrong {i}")

    assert auth.login(other).status_code == 302


def test_many_accounts_from_one_address_are_limited(make_app, make_user):
    client = make_app(LOGIN_MAX_FAILURES_PER_IP=3).test_client()
    emails = [make_user().email for _ in range(4)]
    for email in emails[:3]:
        client.post("/login", data={"email": email, "password": "wrong password"})

    response = client.post("/login", data={"email": emails[3], "password": PASSWORD})

    assert response.status_code == 429


def test_failed_attempts_are_stored_hashed(auth, make_user):
    user = make_user()
    auth.login(user, "wrong")

    keys = db.session.scalars(select(ThrottleEvent.key)).all()

    assert keys and all(user.email not in key and len(key) == 64 for key in keys)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site(client, make_user, target):
    user = make_user()

    response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})

    assert response.location == "/clinic/patients"


def test_next_returns_to_the_page_asked_for(client, make_user):
    user = make_user()

    response = client.post("/login?next=/clinic/patients?q=1", data={"email": user.email, "password": PASSWORD})

    assert response.location == "/clinic/patients?q=1"


@pytest.mark.parametrize("role,path", [("clinician", "/admin/users"), ("clinician", "/coordinator/"),
                                       ("coordinator", "/clinic/patients"), ("admin", "/clinic/patients")])
def test_roles_only_reach_their_own_pages(client, login_as, role, path):
    login_as(role)

    assert client.get(path).status_code == 403


def test_site_scoping_of_the_patient_list(client, login_as, make_patient, other_site):
    mine = make_patient(study_id="MINE-1")
    theirs = make_patient(site_=other_site, study_id="THEIRS-1")
    login_as("clinician")

    page = client.get("/clinic/patients").get_data(as_text=True)

    assert mine.study_id in page
    assert theirs.study_id not in page
