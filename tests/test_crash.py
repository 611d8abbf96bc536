"""Crash safety in every `make test` (SECURITY.md G-DATA-2): kill -9 of gunicorn (master and workers) twice
in the middle of 8 concurrent submitters; every acknowledged answer survives, the database checks out and
the audit chain verifies. `python bench/crashtest.py --rounds 10` is the long variant."""
import pytest

from bench.crashtest import run
from pro_app.extensions import db

pytestmark = pytest.mark.slow


def test_acknowledged_answers_survive_kill_9(app, database_uri):
    db.session.commit()

    result = run(database_uri, rounds=2, submitters=8, seed=20261125)

    assert result["acknowledged_saves"] > 0 and result["connection_errors"] > 0  # it really was killed mid-flow
    assert result["acknowledged_but_missing"] == 0, result["missing_examples"]
    assert result["integrity"] in ("ok", "n/a")
    assert result["audit_problems"] == []
