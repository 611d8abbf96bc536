"""The audit helper and the audit table's guarantees (SECURITY.md G-AUD-1/2)."""
import sqlite3

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from pro_app import audit
from pro_app.extensions import db
from pro_app.models import AuditEvent
from tests.conftest import TEST_DATABASE_URL


def test_record_fills_who_when_what(app, make_user):
    user = make_user("clinician")
    with app.test_request_context("/"):
        from flask import g

        g.actor = ("staff", user.id, user.email, user.role)
        g.request_id = "req-1"
        audit.record("update", "assessment", 7, patient_id=3, field="fvc_pct", old=70.0, new=72.5, reason="typo")
        db.session.commit()

    row = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (row.actor_type, row.actor_id, row.actor, row.role) == ("staff", user.id, user.email, "clinician")
    assert (row.action, row.entity, row.entity_id, row.patient_id) == ("update", "assessment", "7", 3)
    assert (row.field, row.old_value, row.new_value, row.reason, row.request_id) == ("fvc_pct", "70.0", "72.5",
                                                                                     "typo", "req-1")
    assert row.at.tzinfo is not None


def test_several_fields_go_in_one_row(app):
    audit.record("update", "assessment", 1, changes={"md_global": (4, 5), "fvc_pct": (None, 80.0)})
    db.session.commit()

    row = db.session.scalar(select(AuditEvent))
    assert row.field == "fvc_pct,md_global"
    assert row.old_value == '{"fvc_pct": null, "md_global": 4}'


def test_the_command_line_is_the_system_actor(app):
    audit.record("export", "site", 1)
    db.session.commit()

    row = db.session.scalar(select(AuditEvent))
    assert row.actor_type == "system" and row.actor.startswith("cli:")


def test_rows_are_chained(app):
    for i in range(3):
        audit.record("view", "patient", i)
    db.session.commit()
    audit.record("view", "patient", 9)
    db.session.commit()

    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert rows[0].prev_hash == audit.GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert audit.verify_chain() == (4, [])


def test_a_rolled_back_row_does_not_break_the_chain(app):
    audit.record("view", "patient", 1)
    db.session.rollback()
    audit.record("view", "patient", 2)
    db.session.commit()

    assert audit.verify_chain() == (1, [])


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET reason = 'x'", "DELETE FROM audit_event"])
def test_the_database_refuses_to_change_audit_rows(app, statement):
    audit.record("view", "patient", 1)
    db.session.commit()

    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == 1


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="tampering is simulated on a copied SQLite file")
def test_verify_names_the_tampered_row_in_a_copy(app, runner, tmp_path, make_app):
    for i in range(5):
        audit.record("view", "patient", i, new={"i": i})
    db.session.commit()
    target = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[2]
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(db.engine.url.database) as source, sqlite3.connect(copy) as destination:
        source.backup(destination)  # a consistent copy, WAL included
    with sqlite3.connect(copy) as connection:  # an attacker with file access drops our trigger first
        connection.execute("DROP TRIGGER audit_event_no_update")
        connection.execute("UPDATE audit_event SET new_value = '{\"i\": 99}' WHERE id = ?", (target,))
    tampered = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{copy}")

    with tampered.app_context():  # the CLI runs in whichever app context is current
        result = tampered.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 1, result.output
    assert f"row {target}: content does not match its hash" in result.output


def test_verify_passes_on_a_clean_trail(app, runner):
    audit.record("view", "patient", 1)
    db.session.commit()

    result = runner.invoke(args=["audit", "verify"])

    assert result.exit_code == 0, result.output
    assert "hash chain intact" in result.output


def test_login_and_logout_are_in_the_trail(client, auth, make_user):
    user = make_user()
    auth.login(user, "wrong password")
    auth.login(user)
    auth.logout()

    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["login_failed", "login", "logout"]


def test_viewing_the_patient_list_writes_one_row(client, login_as, make_patient):
    make_patient()
    login_as("clinician")
    before = db.session.scalar(select(db.func.count(AuditEvent.id)))

    client.get("/clinic/patients")

    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == before + 1
