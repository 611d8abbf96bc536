"""Load without loss (SECURITY.md G-DATA-1): simulated patients against gunicorn, then acknowledged ⊆ stored.

    python bench/loadtest.py                      # 50 patients, 60 s, SQLite, 3 gunicorn workers
    python bench/loadtest.py --postgres postgresql://postgres@127.0.0.1:5432/postgres --seconds 60

Prints requests, non-2xx/3xx answers, p50/p95/p99 latency and acknowledged-but-missing answers (must be 0).
`tests/test_load.py` runs a 10-second version in `make test`.
"""
import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
# One visit as a patient taps it (the same answers as the survey tests).
PAGES = {
    "pt_global/1": {"pt_global": "6"},
    "haq/1": {"dress": "1", "shampoo": "0"},
    "haq/2": {"stand": "2", "bed": "1"},
    "haq/3": {"cut_meat": "1", "lift_cup": "0", "open_carton": "1", "aid_utensils": "1"},
    "haq/4": {"walk_outdoors": "0", "climb_steps": "0"},
    "haq/5": {"wash_body": "3", "tub_bath": "2", "toilet": "1"},
    "haq/6": {"reach_object": "skip", "bend_down": "2"},
    "haq/7": {"car_doors": "1", "open_jars": "1", "faucets": "0"},
    "haq/8": {"errands": "1", "car_in_out": "0", "chores": "1", "help_activities": "1"},
    "haq/9": {"pain": "40"},
    "shaq/1": {"intestinal": "20"},
    "shaq/2": {"breathing": "35"},
    "shaq/3": {"raynauds-skip": "1"},
    "shaq/4": {"finger_ulcers": "0"},
    "shaq/5": {"overall": "100"},
}


def make_app(uri):
    from pro_app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "load", "TESTING": True,
                       "BASE_URL": "http://127.0.0.1", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8,
                       "ARGON2_PARALLELISM": 1})


def prepare(uri: str, patients: int) -> dict[str, int]:
    """A site with `patients` patients whose baseline is open today, one link each: {token: visit_id}."""
    from pro_app.coordinator.plans import enrol, ensure_default_plan
    from pro_app.extensions import db
    from pro_app.models import Patient, Site
    from pro_app.surveys.links import issue

    app = make_app(uri)
    tokens = {}
    with app.app_context():
        site = Site(code=f"LOAD-{secrets.token_hex(2)}", name="Load Test Clinic", timezone="UTC")
        db.session.add(site)
        plan = ensure_default_plan()
        visits = []
        for n in range(patients):
            patient = Patient(site=site, study_id=f"{site.code}-{n:04d}", timezone="UTC", email=None)
            db.session.add(patient)
            enrol(patient, plan, date.today())
            db.session.flush()
            visits.append(patient.visits[0])
        for visit in visits:
            _, token = issue(visit)
            tokens[token] = visit
        db.session.flush()
        tokens = {token: visit.id for token, visit in tokens.items()}
        db.session.commit()
        db.engine.dispose()
    return tokens


def expected_answers(page_key: str, form: dict) -> dict[str, tuple]:
    """{item_code: (value, skipped)} that an acknowledged save of `form` on `page_key` must have stored."""
    from pro_app.instruments import INSTRUMENTS

    code, number = page_key.split("/")
    page = INSTRUMENTS[code].page(int(number))
    expected = {}
    for item in page.items:
        raw = form.get(item.code)
        if raw == "skip" or form.get(f"{item.code}-skip"):
            expected[item.code] = (None, True)
        elif raw is not None:
            expected[item.code] = (int(raw), False)
    for stored_code in page.checkbox_codes:
        if stored_code != "aid_other":
            expected[stored_code] = (1 if form.get(stored_code) else 0, False)
    return expected


def verify(uri: str, tokens: dict[str, int], ack_dir: Path) -> dict:
    """Every acknowledged save and send must be in the database, exactly as acknowledged."""
    engine = create_engine(uri)
    acks = [json.loads(line) for path in ack_dir.glob("*.jsonl") for line in path.read_text().splitlines()]
    missing, checked_answers, sends = [], 0, 0
    with engine.connect() as connection:
        for ack in acks:
            visit_id = tokens[ack["token"]]
            if ack["page"] == "send":
                sends += 1
                submitted = connection.execute(text("SELECT submitted_at FROM visit WHERE id = :v"),
                                               {"v": visit_id}).scalar()
                if submitted is None:
                    missing.append((visit_id, "send"))
                continue
            rows = connection.execute(text(
                "SELECT a.item_code, a.value, a.skipped FROM answer a JOIN survey_response r ON r.id = a.response_id "
                "WHERE r.visit_id = :v"), {"v": visit_id}).all()
            stored = {row.item_code: (row.value, bool(row.skipped)) for row in rows}
            for code, value in expected_answers(ack["page"], ack["form"]).items():
                checked_answers += 1
                if stored.get(code) != value:
                    missing.append((visit_id, ack["page"], code, value, stored.get(code)))
        integrity = "n/a"
        if engine.dialect.name == "sqlite":
            integrity = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
    engine.dispose()
    return {"acknowledged_saves": len(acks) - sends, "acknowledged_sends": sends, "answers_checked": checked_answers,
            "acknowledged_but_missing": len(missing), "missing_examples": missing[:5], "integrity": integrity}


def locust_stats(prefix: Path) -> dict:
    with open(f"{prefix}_stats.csv") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    return {"requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
            "rps": round(float(total["Requests/s"]), 1), "p50_ms": total["50%"], "p95_ms": total["95%"],
            "p99_ms": total["99%"], "max_ms": round(float(total["Max Response Time"]))}


def run(uri: str, users: int = 50, seconds: int = 60, workers: int = 3, patients: int | None = None) -> dict:
    from tests.server import Gunicorn

    tokens = prepare(uri, patients or users * max(2, seconds // 10))
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        (scratch / "acks").mkdir()
        (scratch / "tokens.json").write_text(json.dumps(list(tokens)))
        (scratch / "pages.json").write_text(json.dumps(PAGES))
        with Gunicorn(uri, workers=workers) as server:
            env = {**os.environ, "LOAD_TOKENS": str(scratch / "tokens.json"), "LOAD_PAGES": str(scratch / "pages.json"),
                   "LOAD_ACK_DIR": str(scratch / "acks")}
            locust = Path(sys.executable).with_name("locust")
            started = time.perf_counter()
            subprocess.run([str(locust), "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(users),
                            "-t", f"{seconds}s", "-H", server.url, "--csv", str(scratch / "load"), "--only-summary",
                            "--stop-timeout", "10", "--loglevel", "ERROR"],
                           env=env, cwd=ROOT, check=False, capture_output=True, timeout=seconds + 120)
            elapsed = time.perf_counter() - started
        result = {"users": users, "seconds": seconds, "workers": workers, "wall_s": round(elapsed, 1),
                  **locust_stats(scratch / "load"), **verify(uri, tokens, scratch / "acks")}
    return result


def scratch_database(postgres: str | None) -> tuple[str, callable]:
    """A migrated throwaway database: (uri, drop)."""
    import flask_migrate

    if postgres:
        name = f"sscore_load_{secrets.token_hex(3)}"
        admin_url = make_url(postgres).set(drivername="postgresql+psycopg")
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        uri = admin_url.set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        folder = Path(tempfile.mkdtemp(prefix="sscore-load-"))
        uri = f"sqlite:///{folder / 'load.sqlite3'}"

        def drop():
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()
    app = make_app(uri)
    with app.app_context():
        flask_migrate.upgrade()
        from pro_app.extensions import db

        db.engine.dispose()
    return uri, drop


def main():
    parser = argparse.ArgumentParser(description="Load test: simulated patients against gunicorn.")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--postgres", help="server URL; a throwaway database is created and dropped")
    args = parser.parse_args()
    uri, drop = scratch_database(args.postgres)
    try:
        result = run(uri, args.users, args.seconds, args.workers)
    finally:
        drop()
    print(json.dumps(result, indent=2, default=str))
    return 0 if result["acknowledged_but_missing"] == 0 and result["failures"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
