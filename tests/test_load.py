"""The short (10 s) load test from bench/loadtest.py, in every `make test` (SECURITY.md G-DATA-1).

Locust's simulated patients answer and send their visits through gunicorn with 3 workers; afterwards every
acknowledged answer must be stored exactly as acknowledged. Latency figures are printed, never asserted.
"""
import pytest

from bench.loadtest import run
from pro_app.extensions import db

pytestmark = pytest.mark.slow


def test_no_acknowledged_answer_is_lost_under_load(app, database_uri, capsys):
    db.session.commit()

    result = run(database_uri, users=20, seconds=10, workers=3, patients=60)

    with capsys.disabled():
        print(f"\nload (10 s, 20 patients): {result['requests']} requests, p50 {result['p50_ms']} ms, "
              f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms")
    assert result["acknowledged_saves"] > 0
    assert result["failures"] == 0, result
    assert result["acknowledged_but_missing"] == 0, result["missing_examples"]
    assert result["integrity"] in ("ok", "n/a")
