"""Export benchmark: CSV and FHIR for a site of N patients with 10 visits each (bench/scale_data.py).

Prints seconds, rows or entries, megabytes, peak memory and the number of SQL statements, so a change that adds a
query per patient or keeps a whole site in memory shows up as a number.

    python bench/bench_export.py --patients 2000            # a throwaway SQLite database under bench/out/
    python bench/bench_export.py --patients 10000 --database postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""
import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select  # noqa: E402

from bench.scale_data import seed  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database (default: a new SQLite file)")
    parser.add_argument("--batch", type=int, default=200, help="EXPORT_BATCH_SIZE")
    parser.add_argument("--reuse", action="store_true", help="export an already seeded SQLite file again")
    args = parser.parse_args()

    import flask_migrate

    from pro_app import create_app
    from pro_app.exports import export_to_directory
    from pro_app.extensions import db
    from pro_app.models import Site

    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    uri = args.database or f"sqlite:///{out / f'export-{args.patients}.sqlite3'}"
    if not args.database and not args.reuse:
        Path(uri.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "bench", "TESTING": True,
                      "EXPORT_BATCH_SIZE": args.batch, "REQUIRE_DURABLE_DB": False})
    with app.app_context():
        if not args.reuse:
            flask_migrate.upgrade()
            print(f"seeded {seed(args.patients)}")
        site = db.session.scalar(select(Site).where(Site.code == "BENCH"))
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        folder = Path(tempfile.mkdtemp(prefix="sscore-bench-export-"))
        try:
            for label, kwargs in (("csv", {"csv": True}), ("fhir", {"csv": False, "fhir_file": "bundle.json"})):
                statements.clear()
                started, cpu = time.perf_counter(), time.process_time()
                manifest = export_to_directory(folder / label, [site], **kwargs)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                size = sum(p.stat().st_size for p in (folder / label).iterdir()) / 1e6
                rows = {name: info["rows"] for name, info in manifest["files"].items()}
                print(f"{label:5} {seconds:7.1f} s wall {cpu:7.1f} s CPU  {size:8.1f} MB  "
                      f"{len(statements):6} SQL statements  {rows}")
                db.session.rollback()
        finally:
            shutil.rmtree(folder)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory of the process (seeding included): {peak:.0f} MB")


if __name__ == "__main__":
    main()
