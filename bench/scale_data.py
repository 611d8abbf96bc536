"""Scale-up demo data for the benchmarks: N patients with 10 visits each (10,000 patients = 100,000 visits).

Past visits carry submitted questionnaires (Patient Global, HAQ-DI with aids/help, pain, five SHAQ VAS) and a
clinician assessment; the current visit is open and half the patients have started it. Rows go in with bulk
Core inserts, so 10,000 patients take well under a minute on SQLite.

    python bench/scale_data.py --patients 10000 --database sqlite:///bench/out/scale.sqlite3
"""
import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from pro_app.extensions import db  # noqa: E402
from pro_app.models import (  # noqa: E402
    MRSS_SITE_CODES, Answer, ClinicianAssessment, Enrollment, Patient, PlanVisit, Site, SurveyResponse, Visit,
    VisitPlan,
)
from pro_app.scoring import HAQ_AIDS, HAQ_CATEGORIES, HAQ_ITEMS  # noqa: E402

VISITS = [("baseline", "Baseline", 0)] + [(f"m{3 * i}", f"Month {3 * i}", 91 * i) for i in range(1, 10)]
SHAQ = ("intestinal", "breathing", "raynauds", "finger_ulcers", "overall")
BATCH = 5000


def _flush(table, rows):
    if rows:
        db.session.execute(insert(table), rows)
        rows.clear()


def seed(patients: int, site_code: str = "BENCH", seed_value: int = 7) -> dict:
    """Add `patients` patients at a new site; returns counts. Runs inside an app context; commits."""
    rng = random.Random(seed_value)
    started = time.perf_counter()
    site = Site(code=site_code, name="Benchmark Clinic", timezone="Europe/Berlin")
    plan = VisitPlan(name=f"{site_code} quarterly", description="bench")
    for position, (code, label, offset) in enumerate(VISITS):
        plan.visits.append(PlanVisit(position=position, code=code, label=label, day_offset=offset,
                                     instruments="pt_global,haq,shaq", is_baseline=position == 0))
    db.session.add_all([site, plan])
    db.session.flush()
    today = date.today()
    now = datetime.now(UTC)
    first_patient = (db.session.scalar(select(func.max(Patient.id))) or 0) + 1
    first_visit = (db.session.scalar(select(func.max(Visit.id))) or 0) + 1
    first_response = (db.session.scalar(select(func.max(SurveyResponse.id))) or 0) + 1
    patient_rows, enrol_rows, visit_rows, response_rows, answer_rows, assessment_rows = [], [], [], [], [], []
    visit_id, response_id = first_visit, first_response
    counts = {"patients": 0, "visits": 0, "responses": 0, "answers": 0, "assessments": 0}

    for n in range(patients):
        patient_id = first_patient + n
        anchor = today - timedelta(days=rng.randint(0, 800))
        patient_rows.append(dict(id=patient_id, site_id=site.id, study_id=f"{site_code}-{n + 1:05d}",
                                 email=f"p{n}@bench.example", preferred_channel="email", language="en",
                                 timezone="Europe/Berlin", reminders_paused=False, created_at=now, version=1))
        enrol_rows.append(dict(patient_id=patient_id, plan_id=plan.id, anchor_date=anchor, enrolled_at=now))
        severity = rng.uniform(0.5, 2.5)
        for position, (code, label, offset) in enumerate(VISITS):
            target = anchor + timedelta(days=offset)
            done = target + timedelta(days=14) < today
            visit_rows.append(dict(
                id=visit_id, patient_id=patient_id, code=code, label=label, position=position, target_date=target,
                window_open=target - timedelta(days=14), window_close=target + timedelta(days=14),
                instruments="pt_global,haq,shaq", is_baseline=position == 0,
                submitted_at=datetime.combine(target, datetime.min.time(), UTC) if done else None,
            ))
            if done:
                severity = max(0.0, severity + rng.uniform(-0.3, 0.2))
                at = datetime.combine(target, datetime.min.time(), UTC) + timedelta(hours=10)
                answers = {"pt_global": {"pt_global": min(10, round(severity * 3 + rng.uniform(0, 2)))},
                           "haq": {}, "shaq": {code: rng.randint(0, 100) for code in SHAQ}}
                for category in HAQ_CATEGORIES:
                    for item in HAQ_ITEMS[category]:
                        answers["haq"][item] = min(3, max(0, round(severity + rng.uniform(-1, 0.5))))
                    answers["haq"][f"help_{category}"] = int(rng.random() < 0.1)
                for aid in HAQ_AIDS:
                    answers["haq"][f"aid_{aid}"] = int(rng.random() < 0.05)
                answers["haq"]["pain"] = rng.randint(0, 100)
                for instrument, values in answers.items():
                    response_rows.append(dict(id=response_id, visit_id=visit_id, instrument=instrument, version="1.0",
                                              language="en", status="submitted", started_at=at, updated_at=at,
                                              submitted_at=at))
                    for item, value in values.items():
                        answer_rows.append(dict(response_id=response_id, item_code=item, value=value, skipped=False,
                                                answered_at=at))
                    response_id += 1
                    counts["responses"] += 1
                counts["answers"] += sum(len(v) for v in answers.values())
                mrss = {f"mrss_{site_code_}": min(3, max(0, round(severity + rng.uniform(-1.5, 0.5))))
                        for site_code_ in MRSS_SITE_CODES}
                assessment_rows.append(dict(
                    visit_id=visit_id, assessed_on=target, fvc_pct=round(rng.uniform(55, 105), 1),
                    fvc_equation="GLI-2012", md_global=min(10, round(severity * 3)), renal_crisis=False,
                    fvc_decline=False, lv_failure=False, pah=rng.random() < 0.01, created_at=at, updated_at=at,
                    version=1, **mrss))
                counts["assessments"] += 1
            visit_id += 1
            counts["visits"] += 1
        counts["patients"] += 1
        if len(answer_rows) > BATCH * 4 or n == patients - 1:
            for table, rows in ((Patient.__table__, patient_rows), (Enrollment.__table__, enrol_rows),
                                (Visit.__table__, visit_rows), (SurveyResponse.__table__, response_rows),
                                (Answer.__table__, answer_rows), (ClinicianAssessment.__table__, assessment_rows)):
                _flush(table, rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # fix the sequences after explicit ids
        from sqlalchemy import text

        for statement in ("SELECT setval(pg_get_serial_sequence('patient', 'id'), (SELECT max(id) FROM patient))",
                          "SELECT setval(pg_get_serial_sequence('visit', 'id'), (SELECT max(id) FROM visit))",
                          "SELECT setval(pg_get_serial_sequence('survey_response', 'id'), "
                          "(SELECT max(id) FROM survey_response))"):
            db.session.execute(text(statement))
        db.session.commit()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10000)
    parser.add_argument("--database", required=True, help="SQLAlchemy URL (the database must be migrated)")
    parser.add_argument("--site", default="BENCH")
    args = parser.parse_args()
    from pro_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        print(seed(args.patients, args.site))


if __name__ == "__main__":
    main()
