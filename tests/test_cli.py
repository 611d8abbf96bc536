from sqlalchemy import select

from pro_app.extensions import db
from pro_app.models import AuditEvent, Patient, Site, User


def test_demo_creates_site_staff_and_patients(runner):
    result = runner.invoke(args=["demo", "--password", "a-demo-password-1"])

    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Site).where(Site.code == "DEMO"))
    emails = set(db.session.scalars(select(User.email)))
    assert {"admin@demo.example", "clinician@demo.example", "coordinator@demo.example"} <= emails
    assert db.session.scalar(select(db.func.count(Patient.id))) >= 6
    assert "a-demo-password-1" in result.output


def test_demo_twice_keeps_data_and_resets_passwords(runner, client):
    runner.invoke(args=["demo"])
    count = db.session.scalar(select(db.func.count(Patient.id)))

    result = runner.invoke(args=["demo", "--password", "second-password-1"])

    assert result.exit_code == 0
    assert db.session.scalar(select(db.func.count(Patient.id))) == count
    response = client.post("/login", data={"email": "clinician@demo.example", "password": "second-password-1"})
    assert response.status_code == 302


def test_users_create_refuses_a_weak_password(runner, site):
    result = runner.invoke(args=["users", "create", "--email", "a@b.org", "--name", "A", "--role", "clinician",
                                 "--site", site.code, "--password", "short"])

    assert result.exit_code != 0
    assert "12 characters" in result.output


def test_users_create_makes_an_audited_account(runner, site, client):
    result = runner.invoke(args=["users", "create", "--email", "New@B.org", "--name", "New", "--role", "coordinator",
                                 "--site", site.code, "--password", "a long enough password"])

    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new@b.org"))
    assert user.role == "coordinator" and user.password_hash.startswith("$argon2id$")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "user")).action == "create"


def test_check_db_accepts_the_test_database(runner):
    result = runner.invoke(args=["check-db"])

    assert result.exit_code == 0, result.output


def test_backup_restores_with_its_audit_chain_intact(runner, tmp_path, make_app):
    import pytest

    from tests.conftest import TEST_DATABASE_URL

    if TEST_DATABASE_URL:
        pytest.skip("SQLite online backup; PostgreSQL uses pg_dump")
    runner.invoke(args=["demo", "--password", "a-demo-password-1"])
    patients = db.session.scalar(select(db.func.count(Patient.id)))
    target = tmp_path / "backup.sqlite3"

    result = runner.invoke(args=["backup", str(target)])

    assert result.exit_code == 0, result.output
    assert "integrity_check: ok" in result.output
    restored = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{target}")
    with restored.app_context():
        assert db.session.scalar(select(db.func.count(Patient.id))) == patients
        verify = restored.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
