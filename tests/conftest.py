"""Shared fixtures (Pallets style): app, client, runner, and factory fixtures for sites, staff and patients.

Databases: every test gets its own fresh, *migrated* database.
- SQLite (default): the migrations run once per test session into a template file, copied per test.
- PostgreSQL (when TEST_DATABASE_URL is set): a throwaway database `sscore_test_<random>` is created and
  migrated once per session (per xdist worker), emptied between tests, and dropped at the end.
"""
import contextvars
import logging
import os
import secrets
import shutil
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from flask import g
from flask.testing import FlaskClient

from pro_app import create_app
from pro_app.auth.passwords import hash_password
from pro_app.coordinator.plans import enrol, ensure_default_plan
from pro_app.extensions import db
from pro_app.models import Patient, Site, User

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct horse battery staple"
# G-LOG-1 canaries: every test's patients carry this address and number, every staff user this password; no
# log record of any test may contain any of them (see `no_personal_data_in_logs`).
CANARY_EMAIL = "canary.patient.4711@example.org"
CANARY_PHONE = "+447700900471"  # Ofcom's drama range: never a real subscriber
CANARIES = (PASSWORD, CANARY_EMAIL, CANARY_PHONE)

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "WTF_CSRF_ENABLED": False,
    "SESSION_COOKIE_SECURE": False,
    "BASE_URL": "http://localhost",
    "TRUSTED_HOSTS": ["localhost"],
    # argon2 at test strength (0.1 ms instead of 0.13 s per hash)
    "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8, "ARGON2_PARALLELISM": 1,
    "MESSAGE_CHANNEL_EMAIL": "console", "MESSAGE_CHANNEL_SMS": "console",
    "REQUIRE_DURABLE_DB": False,
}


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context and database session, as in production.

    The test body keeps its own app context (for `db.session` in assertions). Flask would otherwise reuse
    it for requests, sharing `g` and the session between the test and the app. Before each request the test
    body's transaction is committed, which also expires its objects so they reload what the request wrote.
    """

    def open(self, *args, **kwargs):
        from flask import has_app_context

        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


def _pg_url(name: str) -> str:
    url = make_url(TEST_DATABASE_URL).set(database=name)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _migrate(uri: str) -> None:
    import flask_migrate

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    if TEST_DATABASE_URL:
        name = f"sscore_test_{secrets.token_hex(4)}"
        admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        uri = _pg_url(name)
        _migrate(uri)
        yield uri
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        uri = f"sqlite:///{path}"
        _migrate(uri)
        yield path


def _empty_postgres(app) -> None:
    with app.app_context(), db.engine.begin() as connection:
        tables = [t.name for t in db.metadata.sorted_tables]
        # Superuser test connection: skip the append-only triggers just for this clean-up.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(text(f"TRUNCATE {', '.join(chr(34) + t + chr(34) for t in tables)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def database_uri(database_template, tmp_path):
    if TEST_DATABASE_URL:
        return database_template
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(database_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_app(database_uri):
    """Build an app on this test's database with extra configuration."""
    apps = []

    def make(**config):
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_uri, **config})
        app.test_client_class = IsolatedClient
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    if TEST_DATABASE_URL:
        _empty_postgres(app)
    with app.app_context():
        # The test body reads SQLite in deferred transactions, so it never holds the write lock while a live
        # server or gunicorn workers (other connections) need it. Commit to see what they wrote since.
        g.db_readonly = True
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def site(app):
    return make_site_row("SITE-A", "Clinic A")


@pytest.fixture
def other_site(app):
    return make_site_row("SITE-B", "Clinic B")


def make_site_row(code, name, timezone="Europe/London"):
    site = db.session.scalar(select(Site).where(Site.code == code))
    if site is None:
        site = Site(code=code, name=name, timezone=timezone)
        db.session.add(site)
        db.session.commit()
    return site


@pytest.fixture
def make_user(app, site):
    def make(role="clinician", site_=None, email=None, password=PASSWORD, active=True):
        user = User(email=email or f"{role}-{secrets.token_hex(3)}@example.org", name=f"Test {role.title()}",
                    role=role, site=site_ or site, password_hash=hash_password(password), active=active)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_patient(app, site):
    """A patient enrolled on the default plan; `anchor_days_ago` places the visits relative to today."""

    def make(site_=None, anchor_days_ago=0, study_id=None, **fields):
        patient = Patient(site=site_ or site, study_id=study_id or f"P-{secrets.token_hex(4)}",
                          timezone=fields.pop("timezone", (site_ or site).timezone),
                          email=fields.pop("email", CANARY_EMAIL), phone=fields.pop("phone", CANARY_PHONE),
                          **fields)
        db.session.add(patient)
        enrol(patient, ensure_default_plan(), date.today() - timedelta(days=anchor_days_ago))
        db.session.commit()
        return patient

    return make


class Auth:
    """Sign a test client in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, user, password=PASSWORD):
        return self.client.post("/login", data={"email": user.email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def login_as(client, make_user):
    """Create a user of `role` and sign the test client in; returns the user."""

    def login(role="clinician", site_=None):
        user = make_user(role, site_)
        response = Auth(client).login(user)
        assert response.status_code == 302, response.data
        return user

    return login


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL pass, run only the tests that touch a database; the pure ones ran on the SQLite pass."""
    if not TEST_DATABASE_URL:
        return
    keep = [item for item in items if "database_uri" in getattr(item, "fixturenames", ())]
    deselected = [item for item in items if item not in keep]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = keep


class _LogCanary(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.hits: list[str] = []

    def emit(self, record):
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is the logging call's bug, not a leak
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + repr(record.exc_info[1])
        if any(canary in text for canary in CANARIES):
            self.hits.append(f"{record.name}: {text[:300]}")


@pytest.fixture(autouse=True)
def no_personal_data_in_logs():
    """G-LOG-1 over the whole suite: whatever a test does, nothing it logs at INFO or above (the production
    level) carries the canary patient's e-mail address or phone number, or the staff password."""
    canary = _LogCanary()
    root = logging.getLogger()
    root.addHandler(canary)
    try:
        yield canary
    finally:
        root.removeHandler(canary)
    assert not canary.hits, f"personal data reached the logs: {canary.hits[:3]}"
